import { writeFile } from 'node:fs/promises';
import { describeError } from '../core/errors.js';
import { chartSvg } from '../sim/chart.js';
import { formatReport } from '../sim/report.js';
import { runSimulation } from '../sim/run-simulation.js';
import { readTrace } from '../sim/trace.js';
import { loadOrReport, type Io } from './validate-command.js';

/** Options of `homeostat simulate`. */
export interface SimulateOptions {
  readonly trace: string;
  readonly json?: boolean;
  readonly chart?: string;
  readonly seed?: number;
  readonly warmup?: number;
}

/** `homeostat simulate <blueprint> --trace <file>`: replays the trace in virtual time and prints a report. */
export async function simulateCommand(file: string, options: SimulateOptions, io: Io): Promise<number> {
  const blueprint = await loadOrReport(file, io);
  if (!blueprint) return 1;
  try {
    const trace = await readTrace(options.trace);
    const { report, host } = await runSimulation(blueprint, {
      trace,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.warmup === undefined ? {} : { warmupSeconds: options.warmup }),
    });
    if (report.systems.length === 0) io.err(`${file}: note: no simulated entity type (such as sim.swim) replays the trace; only decisions are reported`);
    io.out(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
    if (options.chart) {
      const system = host.systems[0];
      if (!system) io.err(`${options.chart}: nothing to chart: the blueprint has no simulated system`);
      else await writeFile(options.chart, chartSvg(system, `${blueprint.name} on ${report.trace} (seed ${report.seed})`));
    }
    return 0;
  } catch (error) {
    io.err(describeError(error));
    return 1;
  }
}
