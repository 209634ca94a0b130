/** The shapes of the API's answers that the console reads (a subset of the documented API). */

/** An entity as the tree (`GET /entities`) gives it. */
export interface EntitySummary {
  readonly id: string;
  readonly type: string;
  readonly path: string;
  readonly state: string;
  readonly up: boolean | null;
  readonly members: readonly string[];
  readonly children?: readonly EntitySummary[];
  readonly childCount?: number;
}

/** A scope root as `GET /me` gives it: where part of the caller's view starts, or a scope naming no entity it sees. */
export type MeRoot = { readonly id: string; readonly path: string; readonly type: string } | { readonly id: string; readonly missing: true };

/** Who the token belongs to (`GET /me`). */
export interface Me {
  readonly name: string;
  readonly role: 'viewer' | 'operator' | 'admin';
  readonly tenant?: string;
  /** The token's subtrees; null for the whole tree. */
  readonly scopes: readonly string[] | null;
  /** Where the view starts, one per scope (the tree's root for the whole tree). */
  readonly roots: readonly MeRoot[];
  readonly expiresAt?: string;
}

/** An entity as the list form (`GET /entities?format=list`) gives it: a summary with its parent's id. */
export interface ListedEntity extends Omit<EntitySummary, 'children'> {
  readonly parent: string | null;
}

/** A sensor of an entity: current value, when it was read, whether it is stale. */
export interface SensorView {
  readonly name: string;
  readonly value: unknown;
  readonly at: number | null;
  readonly stale: boolean;
  readonly unit: string | null;
  readonly staleAfterMs: number | null;
  readonly rejected: number;
  /** With no reading since the service started: the reading kept when it last stopped (older services: absent). */
  readonly stored?: { readonly value: unknown; readonly at: number } | null;
}

/** An effector of an entity, with the JSON schema of its parameters. */
export interface EffectorView {
  readonly name: string;
  readonly description: string | null;
  readonly idempotent: boolean;
  readonly timeoutMs: number;
  readonly params: JsonSchema;
}

/** An attached policy's status (`GET /policies`). */
export interface PolicyStatus {
  readonly id: string;
  readonly name: string;
  readonly entity: string;
  readonly state: 'running' | 'restarting' | 'stopped';
  readonly executor: string;
  readonly suspended: boolean;
  readonly suspendedReason?: string;
  readonly dryRun: boolean;
  readonly cooldownMs: number;
  readonly faults: number;
}

/** One policy with its config and the config's JSON schema (`GET /policies/:id`). */
export interface PolicyDetail extends PolicyStatus {
  readonly description: string | null;
  readonly config: Record<string, unknown>;
  readonly configSchema: JsonSchema;
}

/** One entity in full (`GET /entities/:id`). */
export interface EntityDetail extends Omit<EntitySummary, 'children'> {
  readonly config: unknown;
  readonly parent: string | null;
  readonly children: readonly string[];
  readonly sensors: readonly SensorView[];
  readonly effectors: readonly EffectorView[];
  readonly policies: readonly PolicyStatus[];
}

/** One sensor reading. */
export interface Observation {
  readonly entity: string;
  readonly sensor: string;
  readonly value: unknown;
  readonly at: number;
}

/** One effector invocation a plan asks for. */
export interface Action {
  readonly entity: string;
  readonly effector: string;
  readonly params?: unknown;
  readonly id?: string;
}

/** One decision record: what the loop saw, decided and why, and what came of it. */
export interface Decision {
  readonly id: string;
  readonly at: number;
  readonly entity: string;
  readonly policy: string;
  readonly policyName: string;
  readonly symptom: { readonly kind: string; readonly detail?: unknown };
  readonly actions: readonly Action[];
  readonly reason: string;
  readonly inputs: readonly Observation[];
  readonly outcome: string;
  readonly detail?: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly durations: { readonly analyzeMs: number; readonly planMs: number; readonly executeMs: number };
  readonly traceId?: string;
  readonly count?: number;
  readonly invocations?: ReadonlyArray<Record<string, unknown>>;
}

/** One audit entry (`GET /audit`). */
export interface AuditEntry {
  readonly seq: number;
  readonly at: number;
  readonly who: { readonly kind: string; readonly name?: string; readonly policy?: string };
  readonly action: string;
  readonly target: string;
  readonly params?: unknown;
  readonly result: string;
  readonly detail?: string;
}

/** The JSON Schema subset the forms understand (what zod's toJSONSchema emits for params and configs). */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly default?: unknown;
  readonly description?: string;
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly additionalProperties?: boolean | JsonSchema;
}

/** The decision outcomes (as the API names them). */
export const OUTCOMES = ['applied', 'dry_run', 'skipped_cooldown', 'rate_limited', 'preempted', 'suspended', 'failed', 'rejected_stale', 'superseded', 'no_action', 'blocked', 'refused', 'quota_exceeded'] as const;

/** A window of one entity's children: a page of them, where it starts, and the cursor of the page after. */
export interface OpenedChildren {
  readonly items: readonly ListedEntity[];
  /** The cursor of the page after this window; undefined when it holds the last children. */
  readonly next: string | undefined;
  /** The cursor this window starts at (read it again with it); undefined for the first children. */
  readonly from: string | undefined;
  /** How many children come before this window. */
  readonly offset: number;
}
