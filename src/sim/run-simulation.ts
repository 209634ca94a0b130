import path from 'node:path';
import { Deployment } from '../blueprint/deployment.js';
import type { Blueprint } from '../blueprint/resolved.js';
import { seededRandom } from '../drivers/seeded-random.js';
import { MemoryStore } from '../knowledge/memory-store.js';
import { VirtualClock } from '../testing/virtual-clock.js';
import { countDecisions, systemResult, timelineOf, type SimulationReport } from './report.js';
import { HomeostatError } from '../core/errors.js';
import { SimulationHost } from './simulation-host.js';
import type { ArrivalTrace } from './trace.js';

/** Options of a simulation run. */
export interface SimulationOptions {
  readonly trace: ArrivalTrace;
  /** Seed of every random choice; default the blueprint's `engine.seed`, else 1. */
  readonly seed?: number;
  /** Periods starting before this are left out of the results (s). Default 900, as SWIM. */
  readonly warmupSeconds?: number;
  /** Simulated length (s); default the trace's. */
  readonly durationSeconds?: number;
  /** Called at simulated time `at` (s) before the clock reaches it, e.g. to inject a fault. */
  readonly events?: ReadonlyArray<{ readonly at: number; readonly run: (deployment: Deployment) => void }>;
  /** Lasting faults to inject: the entity (and its subtree) goes down at `at` (s) and stays down. */
  readonly faults?: ReadonlyArray<{ readonly entity: string; readonly at: number }>;
}

/** A finished simulation: the report, plus the deployment and host for charts and further queries. */
export interface SimulationRun {
  readonly report: SimulationReport;
  readonly host: SimulationHost;
  readonly deployment: Deployment;
}

/**
 * Replays a trace against a blueprint in virtual time, as fast as the machine allows. The same blueprint,
 * trace and seed give the same report (apart from the wall-clock time it took).
 */
export async function runSimulation(blueprint: Blueprint, options: SimulationOptions): Promise<SimulationRun> {
  const started = performance.now();
  const seed = options.seed ?? blueprint.seed ?? 1;
  const clock = new VirtualClock();
  const host = new SimulationHost(options.trace);
  const deployment = await Deployment.create(blueprint, {
    scheduler: clock,
    store: new MemoryStore({ maxDecisions: 1_000_000, maxInvocations: 1_000_000, maxFaults: 100_000 }),
    random: seededRandom(seed),
    simulation: host,
  });
  deployment.start();
  // the final period is closed: a trace whose last arrival falls just before a period's end (a 105-minute
  // trace ending at 6299.9 s) is scored over every period, as SWIM does, unless a duration is declared; a
  // tail under 1 % of a period past a boundary (WC98's last arrival at 6300.05 s) does not open another one
  const period = Math.max(0, ...host.systems.map((s) => s.periodSeconds));
  const duration = options.durationSeconds ?? (period > 0 ? Math.ceil(options.trace.durationSeconds / period - 0.01) * period : options.trace.durationSeconds);
  const faults = options.faults ?? [];
  for (const fault of faults) {
    if (!deployment.tree.find(fault.entity)) throw new HomeostatError('E_FAULT', `--fail ${fault.entity}@${fault.at}: no entity '${fault.entity}' in the tree (known: ${[...deployment.tree.entities()].map((e) => e.id).join(', ')})`);
  }
  const faultEvents = faults.map((fault) => ({ at: fault.at, run: (d: Deployment) => injectFault(d, host, fault.entity) }));
  for (const event of [...(options.events ?? []), ...faultEvents].sort((a, b) => a.at - b.at)) {
    if (event.at > duration) break;
    await clock.advanceTo(event.at * 1000);
    event.run(deployment);
  }
  await clock.advanceTo(duration * 1000);
  await deployment.engine.stop();
  const [decisions, invocations] = await Promise.all([
    deployment.knowledge.queryDecisions({ limit: 1_000_000 }),
    deployment.knowledge.queryInvocations({ limit: 1_000_000 }),
  ]);
  const warmupSeconds = options.warmupSeconds ?? 900;
  const report: SimulationReport = {
    blueprint: blueprint.name,
    trace: path.basename(options.trace.source),
    seed,
    simulatedSeconds: duration,
    warmupSeconds,
    wallClockSeconds: (performance.now() - started) / 1000,
    decisions: countDecisions(decisions),
    systems: host.systems.map((system) => systemResult(system, invocations, warmupSeconds)),
    faults: faults.map((f) => ({ entity: f.entity, at: f.at })),
    timeline: timelineOf(decisions),
  };
  await deployment.stop();
  return { report, host, deployment };
}

/** Marks the entity's subtree failed and takes every entity in it down now. */
function injectFault(deployment: Deployment, host: SimulationHost, entityId: string): void {
  const entity = deployment.tree.find(entityId);
  if (!entity) return;
  host.fail(entity.id);
  for (const member of entity.subtree()) if (member.children.length === 0 || member === entity) member.setUp(false);
}
