import path from 'node:path';
import { Deployment } from '../blueprint/deployment.js';
import type { Blueprint } from '../blueprint/resolved.js';
import { seededRandom } from '../drivers/seeded-random.js';
import { MemoryStore } from '../knowledge/memory-store.js';
import { VirtualClock } from '../testing/virtual-clock.js';
import { countDecisions, policyFaultsOf, systemResult, timelineOf, trafficResult, type SimulationReport } from './report.js';
import { HomeostatError, describeError } from '../core/errors.js';
import { SimulationHost } from './simulation-host.js';
import { SafetyMonitor, isWritablePrimary } from './safety-monitor.js';
import { checkFaultTargets, injectFault, type InvokeEnd } from './fault-injector.js';
import { inTimeOrder, type FaultEvent } from './fault-schedule.js';
import { LateFaults } from './late-faults.js';
import type { ArrivalTrace } from './trace.js';
import { checkSimulatedSpan } from './simulation-limits.js';
import { ProgressMarks } from './progress-marks.js';

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
  /**
   * Faults and operations to inject (see `FaultEvent`); an event without a `kind` is a `fail`: the entity
   * (and its subtree) goes down at `at` (s) and stays down.
   */
  readonly faults?: ReadonlyArray<FaultEvent | { readonly entity: string; readonly at: number }>;
  /** Called once the deployment exists, before it starts (to observe or instrument it). */
  readonly onDeploy?: (deployment: Deployment) => void;
  /** Called after every scheduler step and every injected event (to check invariants at each instant). */
  readonly onStep?: (deployment: Deployment) => void;
  /**
   * Called each time the simulation passes another tenth of its length in simulated time, and once at its end,
   * with the simulated time reached and the length (s): to show that a long run is moving.
   */
  readonly onProgress?: (simulatedSeconds: number, durationSeconds: number) => void;
  /** After the simulated length, how long (s) plans still running may take to finish. Default 3600. */
  readonly drainSeconds?: number;
  /**
   * Stops the simulation at its next step once aborted (the CLI's, at an uncaught exception): `runSimulation`
   * then rejects with a {@link SimulationStopped} and makes no report.
   */
  readonly signal?: AbortSignal;
}

/** A simulation stopped by its `signal` before it finished: where it was, and why. */
export class SimulationStopped extends HomeostatError {
  /**
   * @param reachedSeconds the simulated time it had reached (s)
   * @param durationSeconds the length it was to simulate (s)
   * @param reason the signal's reason
   */
  constructor(readonly reachedSeconds: number, readonly durationSeconds: number, reason: unknown) {
    super('E_SIMULATION_STOPPED', `the simulation was stopped at ${reachedSeconds} of ${durationSeconds} simulated s: ${describeError(reason)}`, { cause: reason });
  }
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
  const host = new SimulationHost(options.trace, options.warmupSeconds ?? 900);
  const deployment = await Deployment.create(blueprint, {
    scheduler: clock,
    store: new MemoryStore({ maxDecisions: 1_000_000, maxInvocations: 1_000_000, maxFaults: 100_000 }),
    random: seededRandom(seed),
    simulation: host,
  });
  options.onDeploy?.(deployment);
  // judged by what the databases' clients see: a partitioned primary homeostat cannot read still takes writes
  const safety = new SafetyMonitor(deployment.tree, (db) => host.writableAsClientsSee(db.id) ?? isWritablePrimary(db));
  const step = (d: Deployment): void => {
    safety.check();
    options.onStep?.(d);
  };
  // where a long run is, in simulated time (made once the run's length is known)
  let progress: ProgressMarks | undefined;
  // set once the run's length is known: a signal aborted before that stops the run at its first step
  let duration = Number.NaN;
  clock.onStep = () => {
    if (options.signal?.aborted) throw new SimulationStopped(clock.now() / 1000, duration, options.signal.reason);
    step(deployment);
    progress?.passed(clock.now());
  };
  deployment.start();
  // the final period is closed: a trace whose last arrival falls just before a period's end (a 105-minute
  // trace ending at 6299.9 s) is scored over every period, as SWIM does, unless a duration is declared; a
  // tail under 1 % of a period past a boundary (WC98's last arrival at 6300.05 s) does not open another one
  const period = Math.max(0, ...host.systems.map((s) => s.periodSeconds));
  duration = options.durationSeconds ?? (period > 0 && options.trace.durationSeconds > 0 ? Math.max(1, Math.ceil(options.trace.durationSeconds / period - 0.01)) * period : options.trace.durationSeconds);
  const warmupSeconds = options.warmupSeconds ?? 900;
  const faults = inTimeOrder((options.faults ?? []).map((f): FaultEvent => ('kind' in f ? f : { kind: 'fail', entity: f.entity, at: f.at })));
  try {
    checkSimulatedSpan({ durationSeconds: duration, durationGiven: options.durationSeconds !== undefined, traceSeconds: options.trace.durationSeconds, warmupSeconds });
    checkFaultTargets(deployment, faults);
  } catch (error) {
    // nothing is simulated: the loops, drivers and knowledge just started are stopped before the error is told
    await deployment.stop().catch(() => undefined);
    throw error;
  }
  if (options.onProgress) progress = new ProgressMarks(duration * 1000, options.onProgress);
  const invokeEnds = new Map<number, InvokeEnd>();
  const late = new LateFaults(deployment, host);
  const faultEvents = faults.map((fault, i) => ({
    at: fault.at,
    run: (d: Deployment) => (late.claims(fault, i) ? undefined : void injectFault(d, host, fault)?.then((end) => void invokeEnds.set(i, end))),
  }));
  try {
    options.signal?.throwIfAborted();
    for (const event of [...(options.events ?? []), ...faultEvents].sort((a, b) => a.at - b.at)) {
      if (event.at > duration) break;
      await clock.advanceTo(event.at * 1000);
      event.run(deployment);
      step(deployment);
    }
    await clock.advanceTo(duration * 1000);
    progress?.end();
    await drain(clock, deployment, (options.drainSeconds ?? 3600) * 1000);
  } catch (error) {
    if (!options.signal?.aborted) throw error;
    await stopAtOnce(clock, deployment);
    throw error instanceof SimulationStopped ? error : new SimulationStopped(clock.now() / 1000, duration, options.signal.reason);
  }
  clock.onStep = undefined;
  const [decisions, invocations, policyFaults] = await Promise.all([
    deployment.knowledge.queryDecisions({ limit: 1_000_000 }),
    deployment.knowledge.queryInvocations({ limit: 1_000_000 }),
    deployment.knowledge.queryFaults({ limit: 100_000 }),
  ]);
  const report: SimulationReport = {
    blueprint: blueprint.name,
    trace: path.basename(options.trace.source),
    seed,
    simulatedSeconds: duration,
    warmupSeconds,
    wallClockSeconds: (performance.now() - started) / 1000,
    decisions: countDecisions(decisions),
    systems: host.systems.map((system) => systemResult(system, invocations, warmupSeconds)),
    faults: faults.map(({ kind, ...rest }, i) => (kind === 'fail' ? { entity: rest.entity, at: rest.at, ...late.outcomeOf(i) } : { kind, ...rest, ...invokeEnds.get(i) })),
    traffic: host.traffic.map(trafficResult),
    timeline: timelineOf(decisions),
    safety: { violations: safety.violations },
    policyFaults: policyFaultsOf(policyFaults),
  };
  late.stop();
  await deployment.stop();
  return { report, host, deployment };
}

/**
 * Stops the loops and lets plans still running finish in virtual time (a replacement waiting for its new
 * member), at most `limitMs` past the end; without the clock moving they would never finish.
 */
async function drain(clock: VirtualClock, deployment: Deployment, limitMs: number): Promise<void> {
  let stopped = false;
  const stopping = deployment.engine.stop({ graceMs: limitMs }).then(() => void (stopped = true));
  const limit = clock.now() + limitMs;
  await clock.settle();
  while (!stopped && clock.now() < limit) await clock.advanceBy(1000);
  if (!stopped) throw new HomeostatError('E_DRAIN', `plans still running ${limitMs / 1000} s after the end of the simulation`);
  await stopping;
}

/**
 * Stops a simulation cut short: its loops get no grace, and the clock runs only what is due now (a few turns,
 * never waiting on the stop: what it cannot finish in them is left, as no clock will move again).
 */
async function stopAtOnce(clock: VirtualClock, deployment: Deployment): Promise<void> {
  clock.onStep = undefined;
  let stopped = false;
  void deployment.stop({ graceMs: 0 }).then(
    () => (stopped = true),
    () => (stopped = true),
  );
  for (let turn = 0; turn < 5 && !stopped; turn += 1) await clock.settle();
}
