import type { Deployment } from '../../src/blueprint/deployment.js';
import { durationSchema } from '../../src/core/duration.js';
import type { Entity } from '../../src/core/entity.js';
import type { Decision } from '../../src/knowledge/decision.js';
import type { FaultEvent } from '../../src/sim/fault-schedule.js';
import { isWritablePrimary } from '../../src/sim/safety-monitor.js';
import type { Observed } from './probe.js';

const SLACK_MS = 30_000;

/**
 * When a decision record last stood for a plan (ms): a coalesced record keeps its first plan's `at` and
 * carries the latest one's time in `lastAt`, so a run of held plans is seen up to its last plan.
 */
export function lastPlannedAt(decision: Decision): number {
  return decision.lastAt ?? decision.at;
}

/**
 * Bounded recovery, checked at every step: a group whose primary failed while a replica was eligible has a
 * writable primary again within failureDelay + promoteTimeout (+ slack), or, when its databases hold a write lease
 * (`lease`), within max(failureDelay, lease) + promoteTimeout (+ slack): an unreachable primary is waited for
 * until its lease runs out, at most `lease` after the poll that found it down; a failed member is gone (replaced)
 * or up again within its restarter's window plus the replacer's start timeout (+ slack), while capacity
 * allows. "Capacity allows" excludes what the policies are meant to refuse: a fence that fails, a database
 * partitioned without a lease (nothing says the old primary stopped taking writes: no promotion until it heals), a recovery
 * block after a recent failover, a whole group or cluster (or its site) down, an operation by a person on it,
 * plans held or refused by budgets, arbitration or quotas, and a replacer that gave up (maxFailures replacements
 * failed within its window) until that window passes.
 */
export class LivenessMonitor {
  readonly violations: string[] = [];
  private readonly since = new Map<string, number>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly deployment: Deployment,
    private readonly observed: Observed,
    private readonly decisions: readonly Decision[],
    private readonly failedAt: (seconds: number) => Set<string>,
    private readonly events: readonly FaultEvent[],
  ) {}

  check(): void {
    const now = this.deployment.tree.scheduler.now();
    const failed = this.failedAt(now / 1000);
    const policies = this.deployment.engine.policies();
    for (const p of policies) {
      const entity = this.deployment.tree.find(p.entity);
      if (!entity) continue;
      if (this.isDown(entity, failed)) {
        // its site or group is down: capacity does not allow, and an episode begun before that starts again after
        this.forget(p.id);
        continue;
      }
      const config = this.observed.policies.get(p.id)?.config ?? (this.deployment.engine.attachment(p.id).config as Record<string, unknown>);
      if (p.name === 'failover') this.failover(p.id, entity, config, now);
      if (p.name === 'replacer') this.replacer(p.id, entity, config, now, failed);
    }
  }

  private isDown(entity: Entity, failed: Set<string>): boolean {
    if (failed.has(entity.id)) return true;
    for (const a of entity.ancestors()) if (failed.has(a.id)) return true;
    return false;
  }

  private touchedBy(ids: readonly string[], from: number, to: number): boolean {
    const refused = (e: FaultEvent): boolean => e.kind === 'invoke' || e.kind === 'fence-fails' || (e.kind === 'partition' && leaseMs(this.deployment.tree.find(e.entity)) === 0);
    return this.events.some((e) => refused(e) && ids.includes(e.entity) && e.at * 1000 >= from - 600_000 && e.at * 1000 <= to);
  }

  private failover(id: string, group: Entity, config: Record<string, unknown>, now: number): void {
    const dbs = group.children.filter((c) => c.hasSensor('role'));
    const maxLag = Number(config['maxLag']);
    const eligible = dbs.some((d) => d.sensor<string>('role').current?.value === 'replica' && d.sensor<boolean>('service.up').value === true && (d.sensor<number>('replication.lag').value ?? Infinity) <= maxLag);
    const recent = this.decisions.some((d) => d.policy === id && (d.outcome === 'applied' || d.outcome === 'failed') && d.at > now - Number(config['recoveryBlock']));
    const touched = this.touchedBy([group.id, ...dbs.map((d) => d.id)], this.since.get(id) ?? now, now);
    const waiting = !dbs.some(isWritablePrimary) && eligible && !recent && !touched;
    const waitMs = Math.max(Number(config['failureDelay']), ...dbs.map(leaseMs));
    this.track(id, waiting, now, waitMs + Number(config['promoteTimeout']) + SLACK_MS, () => {
      // whether the policy decided anything during the episode tells "did not act" from "acted and failed"
      const since = this.since.get(id) ?? now;
      const mine = this.decisions.filter((d) => d.policy === id);
      const last = mine.at(-1);
      const during = mine.some((d) => lastPlannedAt(d) >= since);
      const lastText = last ? `last: ${last.outcome} at ${last.at / 1000} s` : 'none before';
      return `${group.id} had no writable primary while a replica was eligible${during ? '' : ` (no failover decision during it; ${lastText})`}`;
    });
  }

  private replacer(id: string, cluster: Entity, config: Record<string, unknown>, now: number, failed: Set<string>): void {
    for (const member of cluster.members) {
      const key = `${id}:${member.id}`;
      const restarter = [...this.observed.policies.entries()].find(([, p]) => p.name === 'restarter' && p.entity === member.id)?.[1];
      const state = member.state;
      // a restart boots the member (starting): that is the restarter at work, not the end of the episode, or a
      // member restarted for ever would never be seen waiting
      if (state === 'starting' && this.since.has(key)) continue;
      const down = member.sensor<boolean>('service.up').value !== true && state !== 'starting' && state !== 'stopping' && state !== 'stopped';
      const from = this.since.get(key) ?? now;
      const held = this.decisions.some((d) => lastPlannedAt(d) >= from && !['applied', 'no_action'].includes(d.outcome) && cluster.contains(this.deployment.tree.find(d.entity) ?? cluster) && d.entity !== cluster.parent?.id);
      // the replacer gave up (its maxFailures within its window): capacity does not allow until the window passes
      const gaveUp = this.decisions.some((d) => d.policy === id && d.outcome === 'applied' && d.actions[0]?.effector === 'escalate' && d.at > now - Number(config['window']));
      const touched = this.touchedBy([cluster.id], from, now) || gaveUp;
      const waiting = down && restarter !== undefined && !held && !touched && !failed.has(cluster.id);
      const bound = restarter ? Number(restarter.config['failureDelay']) + Number(restarter.config['window']) + Number(config['recheckInterval']) + Number(config['startTimeout']) + 2 * SLACK_MS : Infinity;
      this.track(key, waiting, now, bound, () => `${member.id} of ${cluster.id} stayed down, neither restarted nor replaced`);
    }
  }

  /** Ends every episode tracked for a policy (keys are the policy's id, or the id and a member's). */
  private forget(policyId: string): void {
    for (const key of [...this.since.keys()]) {
      if (key === policyId || key.startsWith(`${policyId}:`)) {
        this.since.delete(key);
        this.reported.delete(key);
      }
    }
  }

  private track(key: string, waiting: boolean, now: number, boundMs: number, what: () => string): void {
    if (!waiting) {
      this.since.delete(key);
      this.reported.delete(key);
      return;
    }
    const since = this.since.get(key) ?? now;
    this.since.set(key, since);
    if (now - since > boundMs && !this.reported.has(key)) {
      this.reported.add(key);
      this.violations.push(`${what()} from ${since / 1000} s for over ${boundMs / 1000} s (at ${now / 1000} s)`);
    }
  }
}

/** A database's write lease (ms) from its config; 0 when it holds none. */
function leaseMs(db: Entity | undefined): number {
  const lease = db?.config['lease'];
  return lease === undefined ? 0 : durationSchema.parse(lease);
}
