import type { Subscription } from 'rxjs';
import type { Deployment } from '../blueprint/deployment.js';
import type { Entity } from '../core/entity.js';
import type { EntityTree } from '../core/entity-tree.js';
import type { FaultEvent } from './fault-schedule.js';
import type { SimulationHost } from './simulation-host.js';

/**
 * Whether a cluster in the tree could start a member of this id during a run: a group with `resize` whose
 * members are named `<group>-<n>` (`web-7` of `web`). Faults naming such a member wait for it.
 */
export function memberToCome(tree: EntityTree, id: string): boolean {
  const match = /^(.+)-\d+$/.exec(id);
  const group = match?.[1] === undefined ? undefined : tree.find(match[1]);
  return group !== undefined && group.hasEffector('resize');
}

/** What became of a `fail` that waited for its member: when it was applied (s), or that it never was. */
export type LateOutcome = { readonly appliedAt: number } | { readonly neverApplied: true };

/**
 * Faults on members a cluster starts during the run (`--fail web-3@10` while web has 2 members): a `fail` on a
 * member not started yet waits for it and is applied when it appears (down from its first moment); a `recover`
 * before then cancels the waiting `fail`. A member that was there and is retired is left alone, as before.
 */
export class LateFaults {
  private readonly waiting = new Map<string, number>();
  private readonly seen = new Set<string>();
  private readonly outcomes = new Map<number, LateOutcome>();
  /** The `fail` events that waited for their member (applied since or not). */
  private readonly claimed = new Set<number>();
  private readonly subscription: Subscription;

  constructor(
    private readonly deployment: Deployment,
    private readonly host: SimulationHost,
  ) {
    for (const entity of deployment.tree.entities()) this.seen.add(entity.id);
    this.subscription = deployment.tree.changes$.subscribe((change) => {
      if (change.kind !== 'member-added' && change.kind !== 'added') return;
      this.seen.add(change.entity.id);
      const index = this.waiting.get(change.entity.id);
      if (index === undefined) return;
      this.waiting.delete(change.entity.id);
      this.apply(change.entity);
      this.outcomes.set(index, { appliedAt: this.deployment.engine.scheduler.now() / 1000 });
    });
  }

  /**
   * Takes event `index` when it names a member not started yet (a `fail` then waits for it, a `recover`
   * cancels the `fail` waiting); false when the event is for the ordinary injection.
   */
  claims(event: FaultEvent, index: number): boolean {
    if (this.seen.has(event.entity) || this.deployment.tree.find(event.entity)) return false;
    if (event.kind === 'fail') {
      this.waiting.set(event.entity, index);
      this.claimed.add(index);
      return true;
    }
    if (event.kind === 'recover') {
      this.waiting.delete(event.entity);
      return true;
    }
    return false;
  }

  /** What became of event `index` when it waited for its member; undefined for the others. */
  outcomeOf(index: number): LateOutcome | undefined {
    return this.outcomes.get(index) ?? (this.claimed.has(index) ? { neverApplied: true } : undefined);
  }

  /** Stops following the tree. */
  stop(): void {
    this.subscription.unsubscribe();
  }

  private apply(entity: Entity): void {
    this.host.fail(entity.id);
    for (const e of entity.subtree()) if (e.children.length === 0 || e === entity) e.setUp(false);
  }
}
