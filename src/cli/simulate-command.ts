import { writeFile } from 'node:fs/promises';
import { describeError } from '../core/errors.js';
import { chartSvg } from '../sim/chart.js';
import { formatReport } from '../sim/report.js';
import { runSimulation } from '../sim/run-simulation.js';
import { faultFlag, parseFaultEvent } from '../sim/fault-schedule.js';
import { readTrace } from '../sim/trace.js';
import { loadOrReport, type Io } from './validate-command.js';
import { chartDestinationProblem, chartWriteError } from './chart-destination.js';

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
  const blueprint = await loadOrReport(file, io);
  if (!blueprint) return 1;
  try {
    const faults = [
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
      faults,
      ...(onProgress ? { onProgress } : {}),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.warmup === undefined ? {} : { warmupSeconds: options.warmup }),
      ...(options.duration === undefined ? {} : { durationSeconds: options.duration }),
    });
    if (report.systems.length === 0 && faults.length === 0) io.err(`${file}: note: no simulated entity type (such as sim.swim) replays the trace; only decisions are reported`);
    for (const late of faults.filter((f) => f.at > report.simulatedSeconds)) {
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
    io.err(describeError(error));
    return 1;
  }
}
