import type { Entity } from '../entity.js';
import type { EntityTree } from '../entity-tree.js';
import type { Plan } from '../../policies/define-policy.js';
import type { Quota } from '../quota.js';

/** Effectors that start one member more than the group has (a replacement starts the new one first). */
const GROWS_BY_ONE = new Set(['replaceMember', 'addMember', 'addServer']);

/** A plan that would exceed a quota: the decision's detail, with the numbers. */
export interface QuotaVerdict {
  readonly outcome: 'quota_exceeded';
  readonly detail: string;
  /** The numbers of the detail: the quota's name, what it counts, how much is used, what the plan adds, the limit. */
  readonly numbers: QuotaNumbers;
}

/** The numbers behind a `quota_exceeded` verdict, for an API answer a client can act on. */
export interface QuotaNumbers {
  readonly quota: string;
  /** `operations`, `members`, or a resource name (`cpu`). */
  readonly counts: string;
  readonly used: number;
  readonly requested: number;
  readonly limit: number;
}

/**
 * The quotas of subtrees and tenants: at most so many members, so much of a declared resource across the
 * members, so many operations running at once. A plan is measured by what it would leave: a resize to `size`
 * on a group changes its members by `size - members now`, each with the group's member resources; a
 * replacement starts one member more. A plan that shrinks or keeps the size always passes, so a subtree over
 * its quota (a quota lowered at run time) can still come back under it.
 */
export class QuotaCheck {
  private readonly quotas = new Map<string, Quota>();

  constructor(
    private readonly tree: EntityTree,
    /** Operations running now whose scope lies inside one of the roots. */
    private readonly running: (roots: readonly Entity[]) => number,
  ) {}

  /** Sets (or replaces) a quota, by its name. */
  set(quota: Quota): void {
    this.quotas.set(quota.name, quota);
  }

  /** Quotas set, for status and tests. */
  list(): readonly Quota[] {
    return [...this.quotas.values()];
  }

  /** True when some quota is set. */
  get any(): boolean {
    return this.quotas.size > 0;
  }

  /** The verdict on a plan about to start, or undefined when no quota would be exceeded. */
  check(plan: Plan): QuotaVerdict | undefined {
    if (this.quotas.size === 0) return undefined;
    const targets = plan.actions.flatMap((a) => {
      const entity = this.tree.find(a.entity);
      return entity ? [{ entity, action: a }] : [];
    });
    for (const quota of this.quotas.values()) {
      const roots = quota.roots.flatMap((id) => this.tree.find(id) ?? []);
      const inside = targets.filter((t) => roots.some((r) => r.contains(t.entity)));
      if (inside.length === 0) continue;
      const verdict = this.operations(quota, roots) ?? this.growth(quota, roots, inside);
      if (verdict) return verdict;
    }
    return undefined;
  }

  private operations(quota: Quota, roots: readonly Entity[]): QuotaVerdict | undefined {
    if (quota.maxOperations === undefined) return undefined;
    const running = this.running(roots);
    if (running < quota.maxOperations) return undefined;
    return { outcome: 'quota_exceeded', detail: `quota of ${quota.name}: ${running} of ${quota.maxOperations} operations already running; this plan would be one more`, numbers: { quota: quota.name, counts: 'operations', used: running, requested: 1, limit: quota.maxOperations } };
  }

  private growth(quota: Quota, roots: readonly Entity[], inside: ReadonlyArray<{ entity: Entity; action: Plan['actions'][number] }>): QuotaVerdict | undefined {
    let added = 0;
    const addedResources = new Map<string, number>();
    for (const { entity, action } of inside) {
      const delta = memberDelta(entity, action.effector, action.params);
      if (delta <= 0) continue;
      added += delta;
      for (const [name, amount] of Object.entries(entity.memberResources ?? entity.members[0]?.resources ?? {})) addedResources.set(name, (addedResources.get(name) ?? 0) + delta * amount);
    }
    if (added === 0) return undefined;
    const members = membersOf(roots);
    if (quota.maxMembers !== undefined && members.length + added > quota.maxMembers) {
      return { outcome: 'quota_exceeded', detail: `quota of ${quota.name}: ${members.length} members + ${added} = ${members.length + added}, over the quota of ${quota.maxMembers}`, numbers: { quota: quota.name, counts: 'members', used: members.length, requested: added, limit: quota.maxMembers } };
    }
    for (const [name, max] of Object.entries(quota.maxResources ?? {})) {
      const more = addedResources.get(name) ?? 0;
      if (more === 0) continue;
      const used = members.reduce((sum, m) => sum + (m.resources[name] ?? 0), 0);
      if (used + more > max) return { outcome: 'quota_exceeded', detail: `quota of ${quota.name}: ${name} ${round(used)} used + ${round(more)} for ${added} new member(s) = ${round(used + more)}, over the quota of ${round(max)}`, numbers: { quota: quota.name, counts: name, used: round(used), requested: round(more), limit: round(max) } };
    }
    return undefined;
  }
}

/** How many members an action adds to `entity`'s group (negative: removes). */
export function memberDelta(entity: Entity, effector: string, params: unknown): number {
  const size = typeof params === 'object' && params !== null ? (params as { size?: unknown }).size : undefined;
  if (typeof size === 'number' && Number.isInteger(size) && size >= 0) return size - entity.members.length;
  return GROWS_BY_ONE.has(effector) ? 1 : 0;
}

/** Distinct members of every group in the subtrees. */
function membersOf(roots: readonly Entity[]): Entity[] {
  const seen = new Set<Entity>();
  for (const root of roots) for (const e of root.subtree()) for (const m of e.members) seen.add(m);
  return [...seen];
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
