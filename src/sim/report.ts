import { DECISION_OUTCOMES, type Decision, type DecisionOutcome, type PolicyFault } from '../knowledge/decision.js';
import type { SafetyViolation } from './safety-monitor.js';
import type { InvocationRecord } from '../effectors/invocation.js';
import { elasticity, type ElasticityMetrics } from './elasticity.js';
import type { SimulatedSystem, SimulatedTraffic } from './simulation-host.js';
import { SWIM_MAX_SERVICE_RATE, periodUtility } from './swim/utility.js';

/** SWIM's result row for one simulated system, after the warm-up. */
export interface SwimResult {
  readonly utility: number;
  readonly percentLate: number;
  readonly percentOptional: number;
  readonly averageServers: number;
  /** Effector invocations that changed the system (resize, add/remove server, dimmer). */
  readonly adaptations: number;
  readonly requests: number;
}

/** What `homeostat simulate` reports. */
export interface SimulationReport {
  readonly blueprint: string;
  readonly trace: string;
  readonly seed: number;
  readonly simulatedSeconds: number;
  readonly warmupSeconds: number;
  readonly wallClockSeconds: number;
  readonly decisions: { readonly total: number; readonly byPolicy: Record<string, Partial<Record<DecisionOutcome, number>>> };
  /**
   * Each simulated system's results over the periods that start after the warm-up (`scoredPeriods` of them), and
   * its elasticity over the whole run (null when the run holds no whole period: nothing to compare).
   */
  readonly systems: ReadonlyArray<{ readonly entity: string; readonly swim: SwimResult; readonly scoredPeriods: number; readonly periodSeconds: number; readonly elasticity: ElasticityMetrics | null }>;
  /**
   * Injected faults: entity and time (s); other kinds than `fail` (recover, lag, fence-fails, partition, heal, invoke) say which.
   * A person's operation (`invoke`) says how it ended: `outcome`, `endedAt` (s) and, when it failed, `error`;
   * none of the three when it was still running at the end of the run.
   */
  readonly faults: ReadonlyArray<{
    readonly entity: string;
    readonly at: number;
    readonly kind?: string;
    readonly seconds?: number;
    readonly effector?: string;
    readonly params?: unknown;
    readonly outcome?: 'succeeded' | 'failed';
    readonly endedAt?: number;
    readonly error?: string;
    /** A `fail` on a member started during the run: when it appeared and went down (s), or that it never appeared. */
    readonly appliedAt?: number;
    readonly neverApplied?: true;
  }>;
  /** Safety invariants checked at every step of the run (two writable primaries in one group), and when they failed. */
  readonly safety: { readonly violations: readonly SafetyViolation[] };
  /**
   * What the policies' faults were (a throw, a plan that breaks the contract...), one row per policy, phase and
   * message, with how often and when first (s); a policy that fails every time makes no decision at all.
   */
  readonly policyFaults: ReadonlyArray<{ readonly policy: string; readonly phase: PolicyFault['phase']; readonly message: string; readonly count: number; readonly firstAt: number }>;
  /**
   * Each simulated traffic manager: every route it took (time s, site) and the users' requests offered,
   * served and dropped (a site loss drops requests until DR moves the traffic). Empty without one.
   */
  readonly traffic: ReadonlyArray<{ readonly entity: string; readonly routes: ReadonlyArray<{ readonly at: number; readonly site: string }>; readonly requests: { readonly offered: number; readonly served: number; readonly dropped: number } }>;
  /** Every decision in time order: what the loops did and why (the escalation chain after a fault). */
  readonly timeline: ReadonlyArray<{ readonly at: number; readonly policy: string; readonly outcome: DecisionOutcome; readonly actions: string; readonly reason: string; readonly detail?: string }>;
}

/** The decisions as timeline rows, oldest first. */
export function timelineOf(decisions: readonly Decision[]): SimulationReport['timeline'] {
  return [...decisions]
    .sort((a, b) => a.at - b.at)
    .map((d) => ({
      at: d.at / 1000,
      policy: d.policy,
      outcome: d.outcome,
      actions: d.actions.map((a) => `${a.effector}(${a.entity})`).join(', '),
      reason: d.reason,
      ...(d.detail === undefined ? {} : { detail: d.detail }),
    }));
}

const ADAPTING = new Set(['resize', 'addServer', 'removeServer', 'setDimmer']);

/** Counts decisions (plans: a coalesced record counts `count` times) by policy and outcome (outcomes in their canonical order). */
export function countDecisions(decisions: readonly Decision[]): SimulationReport['decisions'] {
  const byPolicy: Record<string, Partial<Record<DecisionOutcome, number>>> = {};
  let total = 0;
  for (const d of decisions) {
    const row = (byPolicy[d.policy] ??= {});
    row[d.outcome] = (row[d.outcome] ?? 0) + (d.count ?? 1);
    total += d.count ?? 1;
  }
  for (const [policy, row] of Object.entries(byPolicy)) {
    byPolicy[policy] = Object.fromEntries(DECISION_OUTCOMES.filter((o) => row[o] !== undefined).map((o) => [o, row[o]]));
  }
  return { total, byPolicy };
}

/**
 * SWIM's result row and the elasticity metrics for one system. Demand is the number of servers the arrival
 * rate of each period needs at SWIM's maximum service rate; supply is the number of serving servers.
 */
export function systemResult(system: SimulatedSystem, invocations: readonly InvocationRecord[], warmupSeconds: number): SimulationReport['systems'][number] {
  const periods = system.periods.filter((p) => p.from >= warmupSeconds);
  const sum = (f: (p: (typeof periods)[number]) => number): number => periods.reduce((a, p) => a + f(p), 0);
  const completed = sum((p) => p.completed);
  const length = sum((p) => p.to - p.from);
  const swim: SwimResult = {
    utility: sum((p) => periodUtility(p, { maxServers: system.settings.maxServers, responseTimeThreshold: system.settings.responseTimeThreshold })),
    percentLate: completed > 0 ? (100 * sum((p) => p.late)) / completed : 0,
    percentOptional: completed > 0 ? (100 * sum((p) => p.optional)) / completed : 0,
    averageServers: length > 0 ? sum((p) => p.servers * (p.to - p.from)) / length : 0,
    adaptations: invocations.filter((r) => r.entity === system.entityId && r.outcome === 'succeeded' && ADAPTING.has(r.effector) && r.at >= warmupSeconds * 1000).length,
    requests: completed,
  };
  const demand: Array<[number, number]> = system.periods.map((p) => [p.from, Math.ceil(p.arrivals / (p.to - p.from) / SWIM_MAX_SERVICE_RATE)]);
  const last = system.periods[system.periods.length - 1];
  if (last) demand.push([last.to, demand[demand.length - 1]?.[1] ?? 0]);
  const supply = system.activeSteps.filter(([t]) => !last || t <= last.to).map(([t, n]) => [t, n] as [number, number]);
  if (last) supply.push([last.to, supply[supply.length - 1]?.[1] ?? 0]);
  return { entity: system.entityId, swim, scoredPeriods: periods.length, periodSeconds: system.periodSeconds, elasticity: last ? elasticity(supply, demand) : null };
}

/**
 * Why a system's results are empty: the run holds no whole period, or every period starts before the end of
 * the warm-up (periods starting before it are left out, as SWIM does), and what would score one.
 */
export function unscoredReason(simulatedSeconds: number, warmupSeconds: number, periodSeconds: number): string {
  if (simulatedSeconds < periodSeconds) return `The ${simulatedSeconds} s simulated hold no whole ${periodSeconds}-s period: use a longer trace, or --duration ${periodSeconds} or more.`;
  const lastStart = Math.floor(simulatedSeconds / periodSeconds) * periodSeconds - periodSeconds;
  return `Every ${periodSeconds}-s period of the ${simulatedSeconds} s simulated starts before the end of the ${warmupSeconds} s warm-up: pass --warmup ${lastStart} or less, or a longer trace (the warm-up also sets when the system starts taking adaptations).`;
}

/** The policy faults of a run, grouped by policy, phase and message, in the order each first happened. */
export function policyFaultsOf(faults: readonly PolicyFault[]): SimulationReport['policyFaults'] {
  const rows = new Map<string, { policy: string; phase: PolicyFault['phase']; message: string; count: number; firstAt: number }>();
  for (const f of [...faults].sort((a, b) => a.at - b.at)) {
    const key = JSON.stringify([f.policy, f.phase, f.message]);
    const row = rows.get(key);
    if (row) row.count += 1;
    else rows.set(key, { policy: f.policy, phase: f.phase, message: f.message, count: 1, firstAt: f.at / 1000 });
  }
  return [...rows.values()];
}

/** The report as text for a person. */
export function formatReport(report: SimulationReport): string {
  const lines: string[] = [];
  const speed = report.wallClockSeconds > 0 ? report.simulatedSeconds / report.wallClockSeconds : Infinity;
  lines.push(`simulated ${report.simulatedSeconds.toFixed(0)} s of ${report.trace} in ${report.wallClockSeconds.toFixed(2)} s (${Math.round(speed)}x real time), seed ${report.seed}`);
  lines.push('', `decisions: ${report.decisions.total}`);
  const outcomes = DECISION_OUTCOMES.filter((o) => Object.values(report.decisions.byPolicy).some((row) => row[o] !== undefined));
  const policies = Object.keys(report.decisions.byPolicy).sort();
  const width = Math.max(6, ...policies.map((p) => p.length));
  lines.push(`  ${'policy'.padEnd(width)}  ${outcomes.map((o) => o.padStart(Math.max(7, o.length))).join('  ')}`);
  for (const policy of policies) {
    const row = report.decisions.byPolicy[policy] ?? {};
    lines.push(`  ${policy.padEnd(width)}  ${outcomes.map((o) => String(row[o] ?? 0).padStart(Math.max(7, o.length))).join('  ')}`);
  }
  if (report.faults.length > 0 || report.timeline.length <= 60) {
    lines.push('', report.faults.length > 0 ? `timeline (faults injected: ${report.faults.map((f) => `${f.entity} at ${f.at} s`).join(', ')}):` : 'timeline:');
    const events = [
      ...report.faults.map((f) => ({ at: f.at, lines: [`  ${f.at.toFixed(0).padStart(7)} s  FAULT injected: ${describeFault(f)}`, ...invokeEndLines(f)] })),
      ...report.timeline.map((row) => ({
        at: row.at,
        lines: [`  ${row.at.toFixed(0).padStart(7)} s  ${row.policy} ${row.outcome}${row.actions ? `: ${row.actions}` : ''}`, `             ${row.reason}${row.detail && row.outcome !== 'applied' ? ` [${row.detail}]` : ''}`],
      })),
    ].sort((a, b) => a.at - b.at);
    for (const event of events) lines.push(...event.lines);
  }
  for (const t of report.traffic) {
    lines.push('', `${t.entity}: routes ${t.routes.map((r) => `${r.site} at ${r.at.toFixed(0)} s`).join(', ')}`);
    const pct = (n: number): string => (t.requests.offered > 0 ? ((100 * n) / t.requests.offered).toFixed(1) : '0.0');
    lines.push(`  requests offered ${Math.round(t.requests.offered)}, served ${Math.round(t.requests.served)} (${pct(t.requests.served)} %), dropped ${Math.round(t.requests.dropped)} (${pct(t.requests.dropped)} %)`);
  }
  for (const system of report.systems) {
    const { swim: s, elasticity: e } = system;
    if (system.scoredPeriods === 0) {
      lines.push('', `${system.entity}: nothing scored. ${unscoredReason(report.simulatedSeconds, report.warmupSeconds, system.periodSeconds)}`);
      continue;
    }
    lines.push('', `${system.entity} (after a ${report.warmupSeconds} s warm-up, ${s.requests} requests):`);
    lines.push(`  utility ${s.utility.toFixed(0)}   late ${s.percentLate.toFixed(2)} %   optional ${s.percentOptional.toFixed(1)} %   average servers ${s.averageServers.toFixed(2)}   adaptations ${s.adaptations}`);
    if (e) lines.push(`  elasticity: accuracy under ${e.accuracyUnder.toFixed(3)}, over ${e.accuracyOver.toFixed(3)} servers; timeshare under ${(100 * e.timeshareUnder).toFixed(1)} %, over ${(100 * e.timeshareOver).toFixed(1)} %; jitter ${e.jitter.toFixed(5)}/s`);
  }
  if (report.policyFaults.length > 0) {
    lines.push('', 'policy faults:');
    for (const f of report.policyFaults) lines.push(`  ${f.policy} failed in ${f.phase} ${f.count} ${f.count === 1 ? 'time' : 'times'}, first at ${f.firstAt.toFixed(0)} s: ${f.message}`);
  }
  for (const v of report.safety.violations) lines.push('', `SAFETY VIOLATED at ${v.at} s (${v.invariant}, group ${v.group}): ${v.detail}`);
  return lines.join('\n');
}

/** A traffic manager's record as a report row. */
export function trafficResult(traffic: SimulatedTraffic): SimulationReport['traffic'][number] {
  const { offered, served } = traffic.requests;
  return { entity: traffic.entityId, routes: traffic.routes.map(([at, site]) => ({ at, site })), requests: { offered, served, dropped: Math.max(0, offered - served) } };
}

/** How a person's operation ended, under its line in the text timeline. */
function invokeEndLines(f: SimulationReport['faults'][number]): string[] {
  if (f.kind !== 'invoke') return [];
  if (f.outcome === undefined) return ['             still running at the end of the run'];
  const at = f.endedAt === undefined ? '' : ` at ${f.endedAt.toFixed(0)} s`;
  return [f.outcome === 'failed' ? `             failed${at}: ${f.error ?? 'no reason given'}` : `             succeeded${at}`];
}

/** One injected fault in words, for the text timeline. */
function describeFault(f: SimulationReport['faults'][number]): string {
  switch (f.kind) {
    case 'recover':
      return `${f.entity}'s fault is cleared`;
    case 'lag':
      return `${f.entity} reports ${String(f.seconds)} s of replication lag`;
    case 'fence-fails':
      return `fencing ${f.entity} fails from now on`;
    case 'partition':
      return `${f.entity} is cut off from homeostat (it keeps running and taking its clients' writes)`;
    case 'heal':
      return `${f.entity}'s partition heals`;
    case 'invoke':
      return `a person invokes ${String(f.effector)}(${f.entity}) ${JSON.stringify(f.params ?? {})}`;
    default:
      return `${f.entity} goes down and stays down${f.appliedAt !== undefined ? ` (it appeared at ${f.appliedAt.toFixed(0)} s)` : f.neverApplied ? ' (it did not appear before its fault was cleared or the run ended)' : ''}`;
  }
}
