import { writeFile } from 'node:fs/promises';
import { describeError } from '../core/errors.js';
import { chartSvg } from '../sim/chart.js';
import { formatReport } from '../sim/report.js';
import { SimulationStopped, runSimulation } from '../sim/run-simulation.js';
import { faultFlag, parseFaultEvent } from '../sim/fault-schedule.js';
import { readTrace } from '../sim/trace.js';
import { loadOrReport, type Io } from './validate-command.js';
import { chartDestinationProblem, chartWriteError } from './chart-destination.js';
import { watchProcessFaults, type ProcessFaults } from './process-faults.js';
import { printFaults, SIMULATE_FAULT_WORDS } from './fault-telling.js';
import { counted } from './counted.js';

/** Options of `homeostat simulate`. */
export interface SimulateOptions {
  readonly trace: string;
  readonly json?: boolean;
  readonly chart?: string;
  readonly seed?: number;
  readonly warmup?: number;
  /** Faults as `<entity>@<seconds>`. */
  readonly fail?: readonly string[];
  /** Fault clearings as `<entity>@<seconds>`. */
  readonly recover?: readonly string[];
  /** Replication lag as `<entity>=<seconds of lag>@<seconds>`. */
  readonly lag?: readonly string[];
  /** Fences that fail from then on, as `<entity>@<seconds>`. */
  readonly fenceFails?: readonly string[];
  /** Databases cut off from homeostat (still taking their clients' writes), as `<entity>@<seconds>`. */
  readonly partition?: readonly string[];
  /** Partitions that end, as `<entity>@<seconds>`. */
  readonly heal?: readonly string[];
  /** Operations a person starts, as `<entity>:<effector>[:<JSON params>]@<seconds>`. */
  readonly invoke?: readonly string[];
  readonly duration?: number;
  /** Print a line to stderr at each tenth of the simulated time and at the end. */
  readonly progress?: boolean;
  /**
   * Stderr is a terminal: without `progress`, a run still going after 5 s of wall time prints where it is, at
   * most every 5 s, so a long run is not silent.
   */
  readonly terminal?: boolean;
  /**
   * Takes the process' uncaught exceptions and unhandled rejections, telling each on stderr with its stack (see
   * `watchProcessFaults`): an uncaught exception stops the simulation, which prints no report and exits with 1;
   * after an unhandled rejection it goes on, and says once the report is printed that it may be wrong. The CLI
   * sets it. Default false.
   */
  readonly catchProcessFaults?: boolean;
}

/** Wall-clock seconds a run on a terminal goes before (and between) unasked progress lines. */
const TERMINAL_PROGRESS_SECONDS = 5;

/** One progress line: the simulated time reached, the run's length and the wall-clock time so far. */
function progressLine(simulatedSeconds: number, durationSeconds: number, wallSeconds: number): string {
  const percent = durationSeconds > 0 ? Math.floor((100 * simulatedSeconds) / durationSeconds) : 100;
  return `simulate: ${simulatedSeconds.toFixed(0)} of ${durationSeconds.toFixed(0)} simulated s (${percent} %) after ${wallSeconds.toFixed(1)} s`;
}

/** The progress callback `simulate` gives the run: every mark when asked, else on a terminal every few seconds. */
function progressReporter(options: SimulateOptions, io: Io): ((simulatedSeconds: number, durationSeconds: number) => void) | undefined {
  if (!options.progress && !options.terminal) return undefined;
  const started = performance.now();
  let lastLine = started;
  return (simulatedSeconds, durationSeconds) => {
    const now = performance.now();
    if (!options.progress && now - lastLine < TERMINAL_PROGRESS_SECONDS * 1000) return;
    lastLine = now;
    io.err(progressLine(simulatedSeconds, durationSeconds, (now - started) / 1000));
  };
}

/** Parses `<entity>@<seconds>`. */
export function parseFault(text: string): { entity: string; at: number } {
  const match = /^([A-Za-z0-9][A-Za-z0-9_.-]*)@(\d+(?:\.\d+)?)$/.exec(text);
  if (!match) throw new Error(`--fail '${text}': expected <entity>@<seconds>, e.g. web-2@120`);
  return { entity: match[1] as string, at: Number(match[2]) };
}

/** `homeostat simulate <blueprint> --trace <file>`: replays the trace in virtual time and prints a report. */
export async function simulateCommand(file: string, options: SimulateOptions, io: Io): Promise<number> {
  const faults = options.catchProcessFaults ? watchProcessFaults(printFaults(io.err), SIMULATE_FAULT_WORDS) : undefined;
  try {
    const code = await simulate(file, options, io, faults);
    if (faults?.failure !== undefined) {
      // an exception once the simulation was over, while its report (or chart) was written
      if (code === 0) io.err(`homeostat: ${faults.failure}, after the report was printed`);
      return 1;
    }
    if (faults !== undefined && faults.rejections > 0 && code === 0) {
      io.err(`homeostat: warning: ${counted(faults.rejections, 'unhandled promise rejection')} during the simulation (told above): a policy's work failed unobserved, so the report may be wrong`);
    }
    return code;
  } finally {
    faults?.release();
  }
}

async function simulate(file: string, options: SimulateOptions, io: Io, faults: ProcessFaults | undefined): Promise<number> {
  const blueprint = await loadOrReport(file, io);
  // an uncaught exception while the modules loaded: nothing is simulated
  if (faults?.failure !== undefined) return stoppedEarly(faults.failure, io);
  if (!blueprint) return 1;
  try {
    const faultEvents = [
      ...(options.fail ?? []).map((t) => parseFaultEvent('fail', t)),
      ...(options.recover ?? []).map((t) => parseFaultEvent('recover', t)),
      ...(options.lag ?? []).map((t) => parseFaultEvent('lag', t)),
      ...(options.fenceFails ?? []).map((t) => parseFaultEvent('fence-fails', t)),
      ...(options.partition ?? []).map((t) => parseFaultEvent('partition', t)),
      ...(options.heal ?? []).map((t) => parseFaultEvent('heal', t)),
      ...(options.invoke ?? []).map((t) => parseFaultEvent('invoke', t)),
    ];
    const trace = await readTrace(options.trace);
    const chartProblem = options.chart === undefined ? undefined : await chartDestinationProblem(options.chart);
    if (chartProblem !== undefined) {
      io.err(chartProblem);
      return 1;
    }
    const onProgress = progressReporter(options, io);
    const { report, host } = await runSimulation(blueprint, {
      trace,
      faults: faultEvents,
      ...(onProgress ? { onProgress } : {}),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.warmup === undefined ? {} : { warmupSeconds: options.warmup }),
      ...(options.duration === undefined ? {} : { durationSeconds: options.duration }),
      ...(faults ? { signal: faults.signal } : {}),
    });
    if (faults?.failure !== undefined) return stoppedEarly(faults.failure, io);
    if (report.systems.length === 0 && faultEvents.length === 0) io.err(`${file}: note: no simulated entity type (such as sim.swim) replays the trace; only decisions are reported`);
    for (const late of faultEvents.filter((f) => f.at > report.simulatedSeconds)) {
      io.err(`${file}: note: ${faultFlag(late).join(' ')} comes after the end of the simulation (${report.simulatedSeconds} s): it never happens`);
    }
    io.out(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
    if (options.chart) {
      const system = host.systems[0];
      if (!system) io.err(`${options.chart}: nothing to chart: the blueprint has no simulated system`);
      else {
        try {
          await writeFile(options.chart, chartSvg(system, `${blueprint.name} on ${report.trace} (seed ${report.seed})`));
        } catch (error) {
          io.err(chartWriteError(options.chart, error));
          return 1;
        }
      }
    }
    return 0;
  } catch (error) {
    if (error instanceof SimulationStopped && faults?.failure !== undefined) return stoppedEarly(faults.failure, io, error);
    // an exception while the trace was read (or the run set up): the simulation never started
    if (faults?.failure !== undefined) return stoppedEarly(faults.failure, io);
    io.err(describeError(error));
    return 1;
  }
}

/** Tells why the simulation stopped before its end (and where it was, when it had started): no report. */
function stoppedEarly(failure: string, io: Io, stopped?: SimulationStopped): number {
  const reached = stopped === undefined ? '' : `; it had reached ${stopped.reachedSeconds} of ${stopped.durationSeconds} simulated s`;
  io.err(`homeostat: ${failure}${reached}; no report is printed`);
  return 1;
}
