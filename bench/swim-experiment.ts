// `npm run swim`: the README's SWIM table. Runs homeostat's built-in configuration and SWIM's Reactive and
// Reactive2 managers with SWIM's settings on the evaluation set (the WC98 trace and five generated load
// shapes), at every boot delay from 0 to 240 s, seeds 1-3, in one simulator, and prints each configuration's
// utility and lateness with its ratio to the baselines measured in the same run.
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBlueprint, readTrace, runSimulation, type ArrivalTrace, type SwimResult } from '../src/index.js';
import { TRACE_SHAPES, generateTrace } from '../src/sim/trace-shapes.js';

// runs from bench/ (tsx, tests) or from .bench-build/bench/ (compiled)
const here = path.resolve(import.meta.dirname, import.meta.dirname.includes('.bench-build') ? '../..' : '..');
export const BOOT_DELAYS = [0, 60, 120, 180, 240];
export const SEEDS = [1, 2, 3];
export const CONFIGS = [
  { name: 'homeostat', file: 'examples/swim/homeostat.yaml' },
  { name: 'homeostat predictive', file: 'examples/swim/homeostat-predictive.yaml' },
  { name: 'Reactive', file: 'examples/swim/swim-reactive.yaml' },
  { name: 'Reactive2', file: 'examples/swim/swim-reactive2.yaml' },
];
const WC98 = 'examples/traces/wc_day53-r0-105m-l70.delta';

/** The evaluation set: WC98 (real, shipped) and the generated shapes, by name. */
export async function evaluationTraces(seed = 1): Promise<Array<{ name: string; trace: ArrivalTrace }>> {
  const wc98 = await readTrace(path.join(here, WC98));
  return [{ name: 'wc98', trace: wc98 }, ...Object.keys(TRACE_SHAPES).map((name) => ({ name, trace: generateTrace(name, 105, seed) }))];
}

/** Runs a blueprint (its text) at one boot delay on a trace. */
export async function swimRunText(text: string, file: string, bootDelay: number, seed: number, trace: ArrivalTrace): Promise<SwimResult> {
  // the forecast horizon follows the boot delay, ahead of it by what the file sets (horizon - bootDelay)
  const lead = Number(/horizon: (\d+)s/.exec(text)?.[1] ?? 0) - Number(/bootDelay: (\d+)s/.exec(text)?.[1] ?? 0);
  const timed = text.replace(/bootDelay: \d+s/, `bootDelay: ${bootDelay}s`).replace(/horizon: \d+s/, `horizon: ${Math.max(1, bootDelay + lead)}s`);
  const blueprint = await parseBlueprint(timed, file);
  const { report } = await runSimulation(blueprint, { trace, seed });
  const system = report.systems[0];
  if (!system) throw new Error(`${file}: no simulated system`);
  return system.swim;
}

/** Runs one configuration at one boot delay (on WC98 unless a trace is given). */
export async function swimRun(file: string, bootDelay: number, seed = 1, trace?: ArrivalTrace): Promise<SwimResult> {
  const absolute = path.join(here, file);
  return swimRunText(await readFile(absolute, 'utf8'), absolute, bootDelay, seed, trace ?? (await readTrace(path.join(here, WC98))));
}

type Row = { trace: string; bootDelay: number; config: string; utility: number; percentLate: number; averageServers: number; percentOptional: number };

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const rows: Row[] = [];
  for (const seed of SEEDS) {
    for (const { name, trace } of await evaluationTraces(seed)) {
      for (const bootDelay of BOOT_DELAYS) {
        for (const config of CONFIGS) rows.push({ trace: name, bootDelay, config: config.name, seed, ...(await swimRun(config.file, bootDelay, seed, trace)) } as Row);
      }
    }
  }
  const cell = (trace: string, bootDelay: number, config: string) => {
    const mine = rows.filter((r) => r.trace === trace && r.bootDelay === bootDelay && r.config === config);
    return { utility: mean(mine.map((r) => r.utility)), late: mean(mine.map((r) => r.percentLate)), servers: mean(mine.map((r) => r.averageServers)) };
  };
  const lines = [
    '| trace | boot delay | configuration | utility | x Reactive | x Reactive2 | % late | Reactive % late | Reactive2 % late | avg servers |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  let wins = 0;
  let cells = 0;
  for (const trace of [...new Set(rows.map((r) => r.trace))]) {
    for (const bootDelay of BOOT_DELAYS) {
      const r1 = cell(trace, bootDelay, 'Reactive');
      const r2 = cell(trace, bootDelay, 'Reactive2');
      for (const config of CONFIGS.filter((c) => !c.name.startsWith('Reactive'))) {
        const c = cell(trace, bootDelay, config.name);
        cells++;
        if (c.utility > r1.utility && c.utility > r2.utility && c.late < r1.late && c.late < r2.late) wins++;
        lines.push(`| ${trace} | ${bootDelay} s | ${config.name} | ${c.utility.toFixed(0)} | ${(c.utility / r1.utility).toFixed(3)} | ${(c.utility / r2.utility).toFixed(3)} | ${c.late.toFixed(2)} | ${r1.late.toFixed(2)} | ${r2.late.toFixed(2)} | ${c.servers.toFixed(2)} |`);
      }
    }
  }
  lines.push('', `beats both Reactive ports on utility and % late (means over seeds ${SEEDS.join(', ')}) in ${wins} of ${cells} trace x boot-delay cells`);
  const traces = [...new Set(rows.map((r) => r.trace))];
  for (const config of CONFIGS.filter((c) => !c.name.startsWith('Reactive'))) {
    const won = traces.filter((t) => BOOT_DELAYS.every((d) => { const c = cell(t, d, config.name); const r1 = cell(t, d, 'Reactive'); const r2 = cell(t, d, 'Reactive2'); return c.utility > Math.max(r1.utility, r2.utility) && c.late < Math.min(r1.late, r2.late); }));
    lines.push(`${config.name}: beats both Reactive ports at every boot delay on ${won.length} of ${traces.length} traces (${won.join(', ') || 'none'})`);
    if (config.name === 'homeostat') continue;
    for (const d of BOOT_DELAYS.filter((x) => x >= 120)) {
      const ahead = traces.filter((t) => cell(t, d, config.name).utility > cell(t, d, 'homeostat').utility);
      lines.push(`${config.name} at ${d} s: utility above the reactive autoscaler's on ${ahead.length} of ${traces.length} traces (${ahead.join(', ') || 'none'})`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  await mkdir(path.join(here, 'bench/results'), { recursive: true });
  await writeFile(path.join(here, 'bench/results/swim.json'), `${JSON.stringify(rows, null, 2)}\n`);
}
