import type { SensorDefinition } from '../sensors/define-sensor.js';
import type { AnyEffectorDefinition } from '../effectors/define-effector.js';

/** What an entity is made from: the tree creates entities from these. */
export interface EntitySpec {
  /** Unique in the tree: letters, digits, `-`, `_`, `.`. */
  readonly id: string;
  /** Entity type, e.g. `application`, `cluster`, `sim.server`. */
  readonly type: string;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly sensors?: ReadonlyArray<SensorDefinition<unknown>>;
  readonly effectors?: ReadonlyArray<AnyEffectorDefinition>;
  /** The tenant this subtree belongs to (see `tenantOf`). */
  readonly tenant?: string;
  /** What this entity uses of named resources (cpu cores, memory bytes), counted against quotas. */
  readonly resources?: Readonly<Record<string, number>>;
  /** What each member a group starts will use (its memberSpec's resources). */
  readonly memberResources?: Readonly<Record<string, number>>;
}
