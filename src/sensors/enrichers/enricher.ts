import type { SchedulerLike, Subscription } from 'rxjs';
import type { Entity } from '../../core/entity.js';
import type { EntityTree } from '../../core/entity-tree.js';

/** What an enricher may use: the tree to read from and the clock. It gets no way to invoke effectors. */
export interface EnricherContext {
  readonly tree: EntityTree;
  readonly scheduler: SchedulerLike;
}

/** Derives sensors from other sensors. Enrichers publish sensors and never invoke effectors. */
export interface Enricher {
  /** Short description for logs, e.g. `mean(members.cpu) -> cpu.mean`. */
  readonly description: string;
  /** Sensors this enricher publishes on its entity (so blueprints can refer to them). */
  readonly publishes: readonly string[];
  /** Starts publishing on `entity`; unsubscribe to stop. */
  start(entity: Entity, context: EnricherContext): Subscription;
}
