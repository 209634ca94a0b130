import type { Resources } from '../core/quantity.js';
import type { QuotaDecl } from '../core/quota.js';
import type { QuorumRule } from '../core/quorum.js';
import type { EntityType } from '../drivers/entity-type.js';
import type { AnyEffectorDefinition } from '../effectors/define-effector.js';
import type { AnyPolicyDefinition } from '../policies/define-policy.js';
import type { SensorDefinition } from '../sensors/define-sensor.js';
import type { SourceSet } from '../sensors/enrichers/sources.js';
import type { DocPath } from './positions.js';
import type { AnyFeedSpec } from './feed-kinds.js';
import type { EnricherDecl } from './schema.js';

/** A list item with its index in the document (items with problems are dropped; positions must not shift). */
export type Positioned<T> = T & { readonly index: number };

/** A policy of a validated blueprint, its definition resolved and its config checked. */
export interface ResolvedPolicy {
  /** Index in the entity's `policies` list in the document. */
  readonly index: number;
  readonly id?: string;
  readonly definition: AnyPolicyDefinition;
  readonly config: Readonly<Record<string, unknown>>;
  readonly cooldownMs: number;
  readonly dryRun: boolean;
  readonly suspended: boolean;
  /** `when:` guards, as written (the definition is already wrapped to honour them). */
  readonly when?: ReadonlyArray<{ readonly entity: string; readonly sensor: string }>;
}

/** An entity node of a validated blueprint. A memberSpec template has an empty id. */
export interface ResolvedEntity {
  readonly id: string;
  readonly name?: string;
  readonly type: EntityType;
  /** Config as parsed by the type's schema. */
  readonly config: unknown;
  /** Config as written (what entity.config shows). */
  readonly rawConfig: Readonly<Record<string, unknown>>;
  readonly sensors: readonly SensorDefinition<unknown>[];
  readonly enrichers: readonly Positioned<EnricherDecl>[];
  /** Feeds: connection checks polled into boolean sensors, and feeds of a kind (prometheus, http, exec...). */
  readonly feeds: readonly Positioned<AnyFeedSpec>[];
  /** Effectors declared in the blueprint (`effectors:`), built by their kinds. */
  readonly effectors?: readonly AnyEffectorDefinition[];
  readonly quorum?: { readonly from: SourceSet } & QuorumRule;
  /** Action budget of the subtree. */
  readonly budget?: { readonly actions: number; readonly windowMs: number };
  /** The tenant of the subtree, when declared on this node. */
  readonly tenant?: string;
  /** Quota of the subtree. */
  readonly quota?: QuotaDecl;
  /** What one instance of this entity uses, counted against quotas. */
  readonly resources?: Resources;
  readonly policies: readonly ResolvedPolicy[];
  readonly members: readonly string[];
  /** Marked `shard: true`: with `--shards`, this subtree is a lease of its own. */
  readonly shard?: boolean;
  readonly memberSpec?: ResolvedEntity;
  readonly children: readonly ResolvedEntity[];
  /** Where the node is in the document, for later cross-checks. */
  readonly path: DocPath;
}

/** A validated blueprint, ready to deploy. */
export interface Blueprint {
  readonly name: string;
  readonly description?: string;
  readonly file: string;
  readonly dryRun: boolean;
  readonly seed?: number;
  readonly root: ResolvedEntity;
  /** Tenants declared at the top, with their quotas. */
  readonly tenants?: Readonly<Record<string, { readonly quota?: QuotaDecl }>>;
}
