import type { Entity } from '../core/entity.js';
import type { EntityTree } from '../core/entity-tree.js';

/** A moment a safety invariant did not hold in a simulation. */
export interface SafetyViolation {
  /** Simulated time (s) it began. */
  readonly at: number;
  readonly invariant: 'single-writable-primary';
  /** The replication group: its entity id, or `(standalone)` for databases that belong to no group entity. */
  readonly group: string;
  readonly detail: string;
}

/** A database that takes writes now: it says it is the primary and it is up. */
export function isWritablePrimary(db: Entity): boolean {
  return db.sensor<string>('role').current?.value === 'primary' && db.sensor<boolean>('service.up').value === true;
}

/**
 * Replication groups of a tree: databases (entities with a `role` sensor) by the nearest ancestor that
 * publishes `primary` (a primary-replica group); databases with no such ancestor replicate with each other
 * (e.g. the two sites' databases of a DR pair) and form the `(standalone)` group.
 */
export function replicationGroups(tree: EntityTree): Map<string, Entity[]> {
  const groups = new Map<string, Entity[]>();
  for (const entity of tree.entities()) {
    if (!entity.hasSensor('role')) continue;
    let group = '(standalone)';
    for (const ancestor of entity.ancestors()) {
      if (ancestor.hasSensor('primary')) {
        group = ancestor.id;
        break;
      }
    }
    groups.set(group, [...(groups.get(group) ?? []), entity]);
  }
  return groups;
}

/**
 * Checks, at every step of a simulation, that no replication group has two writable primaries. Each
 * episode (from the first step it fails until it holds again) is one violation. `writable` judges a
 * database; the simulation passes the ground truth (what its clients see: a partitioned primary that
 * homeostat cannot read still takes writes), default what homeostat's sensors say (`isWritablePrimary`).
 */
export class SafetyMonitor {
  private readonly found: SafetyViolation[] = [];
  private readonly open = new Set<string>();
  private groups: Map<string, Entity[]> | undefined;

  constructor(
    private readonly tree: EntityTree,
    private readonly writable: (db: Entity) => boolean = isWritablePrimary,
  ) {
    tree.changes$.subscribe(() => (this.groups = undefined));
  }

  /** Checks the tree as it is now. */
  check(): void {
    this.groups ??= replicationGroups(this.tree);
    for (const [group, dbs] of this.groups) {
      const writable = dbs.filter(this.writable);
      if (writable.length < 2) {
        this.open.delete(group);
        continue;
      }
      if (this.open.has(group)) continue;
      this.open.add(group);
      this.found.push({ at: this.tree.scheduler.now() / 1000, invariant: 'single-writable-primary', group, detail: `${writable.map((d) => d.id).join(' and ')} are both writable primaries` });
    }
  }

  get violations(): readonly SafetyViolation[] {
    return this.found;
  }
}
