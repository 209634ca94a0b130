// `npx tsx bench/swim-tune.ts`: picks the built-in SWIM configuration on training traces only (WC98, flash
// crowd, diurnal wave) from a grid of the autoscaler's and the brownout's settings, then reports the best ones on the held-out traces (steady ramp,
// low noisy load, step up and down), which play no part in the choice. A cell is won when utility is above
// and % late below both Reactive ports; the grid point with the most training cells won, then the highest
// mean utility ratio, is chosen.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArrivalTrace, SwimResult } from '../src/index.js';
import { evaluationTraces, swimRun, swimRunText } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const TRAIN = ['wc98', 'flash-crowd', 'diurnal-wave'];
const DELAYS = [0, 120, 240];

type Point = { overload: number; raise: number; high: number; low: number; relaxed: number; enter: number; leave: number };
const grid: Point[] = [];
// the comfort band: none (relaxed 0.8 is the normal target), or utilization held at a relaxed target while
// the response time is comfortable (entered at or below `enter`, left above `leave`)
const bands = [[0.8, 0, 0], [1, 0.2, 0.5], [1, 0.3, 0.5], [0.9, 0.2, 0.5]] as const;
for (const overload of [0, 0.25, 0.5, 1]) for (const raise of [0.25, 0.5, 1]) for (const [high, low] of [[0.4, 0.2], [0.6, 0.5]] as const) for (const [relaxed, enter, leave] of bands) {
  grid.push({ overload, raise, high, low, relaxed, enter, leave });
}

/** Replaces one setting in the blueprint's text; a pattern that no longer matches is an error, not a silent no-op. */
function set(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`examples/swim/homeostat.yaml: no match for ${pattern} (the tuner is out of date with the configuration)`);
  return text.replace(pattern, replacement);
}

/**
 * The blueprint at one grid point: the brownout's overload step (0: none; else lower by it once the response
 * time is above SWIM's 0.75 s threshold, even while the group can grow), its raise step and response-time
 * thresholds, and the autoscaler's comfort band.
 */
function configText(base: string, p: Point): string {
  let text = set(base, /high: \{ responseTime: [\d.]+/, `high: { responseTime: ${p.high}`);
  text = set(text, /low: \{ responseTime: [\d.]+/, `low: { responseTime: ${p.low}`);
  text = set(text, /raiseStep: [\d.]+/, `raiseStep: ${p.raise}`);
  text = p.overload === 0 ? set(text, /\n +overload: [^\n]+/, '') : set(text, /overload: \{ responseTime: [\d.]+, step: [\d.]+ \}/, `overload: { responseTime: 0.75, step: ${p.overload} }`);
  if (p.relaxed === 0.8) return text; // the normal target: no comfort band
  text = set(text, /sensor: utilization, target: 0\.8 \}/, `sensor: utilization, target: 0.8, relaxedTarget: ${p.relaxed} }`);
  return set(text, /( +)readySensor:/, `$1comfort: { sensor: response.time, enter: ${p.enter}, leave: ${p.leave} }\n$1readySensor:`);
}

const file = path.join(here, 'examples/swim/homeostat.yaml');
const base = await readFile(file, 'utf8');
const all = await evaluationTraces(1);
const baselines = new Map<string, [SwimResult, SwimResult]>();
for (const { name, trace } of all) {
  for (const d of DELAYS) baselines.set(`${name}/${d}`, [await swimRun('examples/swim/swim-reactive.yaml', d, 1, trace), await swimRun('examples/swim/swim-reactive2.yaml', d, 1, trace)]);
}
async function score(p: Point, traces: Array<{ name: string; trace: ArrivalTrace }>): Promise<{ wins: number; ratio: number }> {
  let wins = 0;
  let ratio = 0;
  for (const { name, trace } of traces) {
    for (const d of DELAYS) {
      const r = await swimRunText(configText(base, p), file, d, 1, trace);
      const [b1, b2] = baselines.get(`${name}/${d}`) as [SwimResult, SwimResult];
      if (r.utility > Math.max(b1.utility, b2.utility) && r.percentLate < Math.min(b1.percentLate, b2.percentLate)) wins++;
      ratio += r.utility / Math.max(b1.utility, b2.utility);
    }
  }
  return { wins, ratio: ratio / (traces.length * DELAYS.length) };
}
const train = all.filter((t) => TRAIN.includes(t.name));
const held = all.filter((t) => !TRAIN.includes(t.name));
const scored: Array<{ p: Point; wins: number; ratio: number }> = [];
for (const p of grid) scored.push({ p, ...(await score(p, train)) });
scored.sort((a, b) => b.wins - a.wins || b.ratio - a.ratio);
for (const s of scored.slice(0, 6)) {
  const h = await score(s.p, held);
  process.stdout.write(`${JSON.stringify(s.p)} training: wins ${s.wins}/${train.length * DELAYS.length} utility x best Reactive ${s.ratio.toFixed(3)}; held out: wins ${h.wins}/${held.length * DELAYS.length} x ${h.ratio.toFixed(3)}\n`);
}
