// `npm run swim`: the README's SWIM table. Runs homeostat's built-in configuration and SWIM's Reactive and
// Reactive2 managers on the WC98 trace with SWIM's settings, for each boot delay, in one simulator.
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBlueprint, readTrace, runSimulation, type SwimResult } from '../src/index.js';

// runs from bench/ (tsx, tests) or from .bench-build/bench/ (compiled)
const here = path.resolve(import.meta.dirname, import.meta.dirname.includes('.bench-build') ? '../..' : '..');
const BOOT_DELAYS = [0, 60, 120, 180, 240];
const CONFIGS = [
  { name: 'homeostat (autoscaler + brownout)', file: 'examples/swim/homeostat.yaml' },
  { name: 'SWIM Reactive', file: 'examples/swim/swim-reactive.yaml' },
  { name: 'SWIM Reactive2', file: 'examples/swim/swim-reactive2.yaml' },
];

/** Runs one configuration at one boot delay. */
export async function swimRun(file: string, bootDelay: number, seed = 1): Promise<SwimResult> {
  const absolute = path.join(here, file);
  const text = (await readFile(absolute, 'utf8')).replace(/bootDelay: \d+s/, `bootDelay: ${bootDelay}s`);
  const blueprint = await parseBlueprint(text, absolute);
  const trace = await readTrace(path.join(here, 'examples/traces/wc_day53-r0-105m-l70.delta'));
  const { report } = await runSimulation(blueprint, { trace, seed });
  const system = report.systems[0];
  if (!system) throw new Error(`${file}: no simulated system`);
  return system.swim;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const rows: Array<{ bootDelay: number; config: string } & SwimResult> = [];
  for (const bootDelay of BOOT_DELAYS) {
    for (const config of CONFIGS) rows.push({ bootDelay, config: config.name, ...(await swimRun(config.file, bootDelay)) });
  }
  const lines = ['| boot delay | configuration | utility | % late | % optional | avg servers |', '| --- | --- | ---: | ---: | ---: | ---: |'];
  for (const r of rows) lines.push(`| ${r.bootDelay} s | ${r.config} | ${r.utility.toFixed(0)} | ${r.percentLate.toFixed(2)} | ${r.percentOptional.toFixed(1)} | ${r.averageServers.toFixed(2)} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
  await mkdir(path.join(here, 'bench/results'), { recursive: true });
  await writeFile(path.join(here, 'bench/results/swim.json'), `${JSON.stringify(rows, null, 2)}\n`);
}
