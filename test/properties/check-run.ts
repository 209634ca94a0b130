import { createHash } from 'node:crypto';
import type { Deployment } from '../../src/blueprint/deployment.js';
import type { Decision } from '../../src/knowledge/decision.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import type { FaultEvent } from '../../src/sim/fault-schedule.js';
import type { ArrivalTrace } from '../../src/sim/trace.js';
import { checkDecisions, checkLimits, checkStopped } from './invariants.js';
import { LivenessMonitor } from './liveness.js';
import { observeRun } from './probe.js';
import { cliOrder, type Case } from './schedules.js';
import { blueprintOf } from './targets.js';

/** The safety properties, by name; each run reports what broke each one (empty when it held). */
export const PROPERTIES = ['single-writable-primary', 'limits', 'no-action-on-stopped', 'bounded-recovery', 'one-decision-per-plan', 'deterministic'] as const;

/** One property's name. */
export type PropertyName = (typeof PROPERTIES)[number];

/** What one run showed: the violations of each property, and a fingerprint of everything it decided and did. */
export interface RunOutcome {
  readonly violations: Readonly<Record<Exclude<PropertyName, 'deterministic'>, readonly string[]>>;
  readonly fingerprint: string;
  /** The decisions in order, as `<seconds> <policy> <outcome> <effector(entity),...>` (not kept in caches). */
  readonly timeline?: readonly string[];
}

/** Which entities have a fault injected at a time (s), from a schedule. */
export function failedAt(events: readonly FaultEvent[], seconds: number): Set<string> {
  const failed = new Set<string>();
  for (const e of events) {
    if (e.at > seconds) break;
    if (e.kind === 'fail') failed.add(e.entity);
    if (e.kind === 'recover') failed.delete(e.entity);
  }
  return failed;
}

/**
 * Runs one case exactly as `homeostat simulate` would run its command line (same blueprint, trace, length,
 * events in the order the flags are read), checking the invariants at every scheduler step.
 */
export async function runCase(c: Case, trace: ArrivalTrace): Promise<RunOutcome> {
  const blueprint = await blueprintOf(c.target);
  const events = cliOrder(c.events);
  const sorted = [...events].sort((a, b) => a.at - b.at);
  const observed = observeRun();
  const decisions: Decision[] = [];
  let liveness: LivenessMonitor | undefined;
  const { report } = await runSimulation(blueprint, {
    trace,
    durationSeconds: c.target.durationSeconds,
    faults: events,
    onDeploy: (d: Deployment) => {
      d.engine.decisions$.subscribe((decision) => decisions.push(decision));
      liveness = new LivenessMonitor(d, observed, decisions, (s) => failedAt(sorted, s), sorted);
    },
    onStep: () => liveness?.check(),
  });
  const fingerprint = createHash('sha1')
    .update(JSON.stringify(decisions.map((d) => [d.at, d.policy, d.outcome, d.actions, d.reason, d.detail ?? null])))
    .update(JSON.stringify(observed.attempts))
    .digest('hex');
  return {
    violations: {
      'single-writable-primary': report.safety.violations.map((v) => `at ${v.at} s in ${v.group}: ${v.detail}`),
      limits: checkLimits(decisions, observed),
      'no-action-on-stopped': checkStopped(observed),
      'bounded-recovery': liveness?.violations ?? [],
      'one-decision-per-plan': checkDecisions(decisions, observed),
    },
    fingerprint,
    timeline: decisions.map((d) => `${d.at / 1000} ${d.policy} ${d.outcome} ${d.actions.map((a) => `${a.effector}(${a.entity})`).join(',')}`),
  };
}
