import type { Entity } from '../entity.js';
import type { AnyPolicyDefinition } from '../../policies/define-policy.js';
import { parsePolicyConfig } from './policy-config.js';

/** How a policy is attached to an entity: engine-side options that are not the policy's own config. */
export interface AttachOptions {
  /** Instance id; default `<entity id>/<policy name>`. */
  readonly id?: string;
  /** Minimum time between two executed plans of this policy (ms). Default 0. */
  readonly cooldownMs?: number;
  /** Record plans as `dry_run` instead of executing them. */
  readonly dryRun?: boolean;
  /** Start suspended: keeps planning, decisions recorded as `suspended`. */
  readonly suspended?: boolean;
}

/** One policy attached to one entity, as the engine runs it. */
export interface PolicyAttachment {
  readonly id: string;
  readonly definition: AnyPolicyDefinition;
  readonly entity: Entity;
  /** Validated config. */
  readonly config: unknown;
  /** Config as given (what the API shows and changes). */
  readonly rawConfig: unknown;
  readonly cooldownMs: number;
  dryRun: boolean;
  suspended: boolean;
  suspendedReason: string | undefined;
}

/**
 * The attachment of `definition` to `entity` as policy `id`: its config checked by the policy's schema, the
 * options defaulted (no cooldown, no dry run, not suspended).
 * @throws ValidationError when the config fails the policy's schema
 */
export function newAttachment(id: string, entity: Entity, definition: AnyPolicyDefinition, rawConfig: unknown, options: AttachOptions): PolicyAttachment {
  const config = parsePolicyConfig(id, definition, rawConfig);
  return {
    id,
    definition,
    entity,
    config,
    rawConfig: rawConfig ?? {},
    cooldownMs: options.cooldownMs ?? 0,
    dryRun: options.dryRun ?? false,
    suspended: options.suspended ?? false,
    suspendedReason: options.suspended ? 'suspended at attach' : undefined,
  };
}

/** What the engine reports about an attached policy. */
export interface PolicyStatus {
  readonly id: string;
  readonly name: string;
  readonly entity: string;
  readonly state: 'running' | 'restarting' | 'stopped';
  readonly executor: 'idle' | 'executing' | 'cooldown';
  readonly suspended: boolean;
  readonly suspendedReason?: string;
  readonly dryRun: boolean;
  readonly cooldownMs: number;
  readonly faults: number;
}
