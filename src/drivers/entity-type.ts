import type { SchedulerLike } from 'rxjs';
import type { z } from 'zod';
import type { Entity } from '../core/entity.js';
import type { EntityTree } from '../core/entity-tree.js';
import type { QuorumRule } from '../core/quorum.js';
import type { SensorDefinition } from '../sensors/define-sensor.js';
import type { SourceSet } from '../sensors/enrichers/sources.js';
import type { SimulationHost } from '../sim/simulation-host.js';
import type { RecordOperation } from '../effectors/progressive/operation-record.js';

/** What a driver may use while it runs an entity. */
export interface DriverContext {
  readonly tree: EntityTree;
  readonly scheduler: SchedulerLike;
  /** Seeded when the blueprint sets `engine.seed`, so simulated behaviour is repeatable. */
  readonly random: () => number;
  /**
   * Creates a member of `group` from its blueprint `memberSpec` (child of the group, with its enrichers,
   * policies and driver running). Returns undefined when the group has no memberSpec. `overrides` are config
   * keys that replace the memberSpec's (the template after a rolling update); ignored when the member type
   * does not accept them.
   */
  spawnMember(group: Entity, id: string, overrides?: Readonly<Record<string, unknown>>): Entity | undefined;
  /** Stops a member (stopping -> stopped) and removes it from the tree with its policies. */
  retire(entity: Entity): void;
  /** Invokes an effector of another entity through the engine's invoker (recorded, one at a time per entity). */
  invoke(entity: Entity, effector: string, params: unknown, caller: string): Promise<unknown>;
  /**
   * Writes a step of a long operation (a canary step's analysis, a promotion, a rollback) into the decision
   * stream; absent outside a deployment, where such steps are only in the operation's result.
   */
  readonly recordOperation?: RecordOperation;
  /** Folder of the blueprint: relative paths in configs (a process's cwd) start there. */
  readonly baseDir?: string;
  /** Where drivers keep state across runs (pid files, logs of processes). */
  readonly stateDir?: string;
  /** Present under `homeostat simulate`: the trace to replay and where to report. */
  readonly simulation?: SimulationHost;
}

/**
 * An entity type: what an entity of this type observes (sensors), what can be done to it (effectors, added
 * when it starts) and what backs it (a real process, an API, or a simulation).
 */
export interface EntityType<C = unknown> {
  readonly name: string;
  readonly description: string;
  /** Schema of the entity's `config` in blueprints. */
  readonly config: z.ZodType<C>;
  /** Sensors every entity of this type has. */
  readonly sensors?: ReadonlyArray<SensorDefinition<unknown>>;
  /** Effector names entities of this type offer (for validation and docs). */
  readonly effectors?: readonly string[];
  /**
   * Set when the driver publishes the entity's `service.up` itself (so a blueprint `quorum:` would fight
   * it): says where the rule goes instead, e.g. "set config.quorum".
   */
  readonly ownHealth?: string;
  /** Quorum applied when the blueprint gives none. */
  readonly defaultQuorum?: { readonly from: SourceSet } & QuorumRule;
  /** True when a blueprint node of this type must give a `memberSpec`. */
  readonly needsMemberSpec?: boolean;
  /** Entities the config names (e.g. a traffic manager's site), checked to exist by blueprint validation. */
  requiresEntities?(config: C): ReadonlyArray<{ readonly entity: string; readonly configPath?: ReadonlyArray<string | number> }>;
  /** Types its memberSpec may have (any when absent). */
  readonly memberTypes?: readonly string[];
  /** Starts the entity's behaviour; returns a function that stops it (a promise when stopping takes time). */
  start?(entity: Entity, config: C, context: DriverContext): void | (() => void | Promise<void>);
}

/** Registry of entity types by name; blueprints refer to types by these names. */
export class EntityTypeRegistry {
  private readonly types = new Map<string, EntityType>();

  constructor(types: Iterable<EntityType> = []) {
    for (const type of types) this.register(type);
  }

  register<C>(type: EntityType<C>): this {
    this.types.set(type.name, type as EntityType);
    return this;
  }

  get(name: string): EntityType | undefined {
    return this.types.get(name);
  }

  names(): string[] {
    return [...this.types.keys()].sort();
  }

  /** Every type, for copying a registry. */
  all(): EntityType[] {
    return [...this.types.values()];
  }
}
