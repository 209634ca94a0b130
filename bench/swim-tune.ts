// `npx tsx bench/swim-tune.ts`: picks the built-in SWIM configuration on training traces only (WC98, flash
// crowd, diurnal wave; every boot delay, means over seeds 1-3, as the README table) from a grid of the
// autoscaler's and the brownout's settings, then reports the best ones on the held-out traces (steady ramp,
// low noisy load, step up and down), which play no part in the choice. A cell is won when utility is above
// and % late below both Reactive ports; the grid point with the most training cells won, then the highest
// mean utility ratio, is chosen.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArrivalTrace, SwimResult } from '../src/index.js';
import { BOOT_DELAYS, SEEDS, evaluationTraces, swimRunText } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const TRAIN = ['wc98', 'flash-crowd', 'diurnal-wave'];

type Point = { overload: number; release: 'raise' | 'restore'; raise: 'step' | 'headroom'; high: number; low: number; relaxed: number; enter: number; leave: number; urgency: number; rise: number };
const grid: Point[] = [];
// the comfort band: none (relaxed 0.8 is the normal target), or utilization held at a relaxed target while
// the response time is comfortable (entered at or below `enter`, left above `leave`)
const bands = [[0.8, 0, 0], [1, 0.2, 0.5], [0.9, 0.2, 0.5]] as const;
// an earlier, wider grid (overload step 0.25-1, none; raise step 0.25-1; thresholds 0.6/0.5; utilization
// target 0.9) never placed those values among the best on the training traces: they are fixed here
for (const overload of [0.5]) for (const release of ['raise', 'restore'] as const) for (const raise of ['step', 'headroom'] as const) for (const [high, low] of [[0.4, 0.2]] as const) for (const [relaxed, enter, leave] of bands) for (const urgency of [0, 0.5, 0.75]) {
  // a rise ratio only means something with burst filtering (0: no rise rule)
  for (const rise of urgency === 0 ? [0] : [0, 1.3, 1.6, 2]) grid.push({ overload, release, raise, high, low, relaxed, enter, leave, urgency, rise });
}

/** Replaces one setting in the blueprint's text; a pattern that no longer matches is an error, not a silent no-op. */
function set(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`examples/swim/homeostat.yaml: no match for ${pattern} (the tuner is out of date with the configuration)`);
  return text.replace(pattern, replacement);
}

/**
 * The blueprint at one grid point: the brownout's overload step (lower by it once the response time is above
 * SWIM's 0.75 s threshold, even while the group can grow) and how it is released (by the raise rule, or
 * restored once the overload is over), how it raises (one 0.25 step, or as far as the utilization headroom
 * allows), its response-time thresholds, the autoscaler's comfort band, and burst filtering (0: none; else a
 * one-minute scale-up window skipped while the response time is above it, and with `rise` while the arrival
 * rate is at most that many times the previous minute's).
 */
function configText(base: string, p: Point): string {
  let text = set(base, /high: \{ responseTime: [\d.]+/, `high: { responseTime: ${p.high}`);
  text = set(text, /low: \{ responseTime: [\d.]+/, `low: { responseTime: ${p.low}`);
  text = set(text, /raiseBy: \w+/, `raiseBy: ${p.raise}`);
  text = set(text, /overload: \{ responseTime: [\d.]+, step: [\d.]+(, release: \w+)? \}/, `overload: { responseTime: 0.75, step: ${p.overload}, release: ${p.release} }`);
  text = set(text, /scaleUp: \{ stabilization: \w+ \}/, `scaleUp: { stabilization: ${p.urgency === 0 ? 0 : '1m'} }`).replace(/\n +urgency: [^\n]+/, '');
  const rise = p.rise > 0 ? `, rise: { sensor: arrival.rate, atMost: ${p.rise} }` : '';
  if (p.urgency > 0) text = set(text, /( +)readySensor:/, `$1urgency: { sensor: response.time, above: ${p.urgency}${rise} }\n$1readySensor:`);
  if (p.relaxed === 0.8) return text; // the normal target: no comfort band
  text = set(text, /sensor: utilization, target: 0\.8 \}/, `sensor: utilization, target: 0.8, relaxedTarget: ${p.relaxed} }`);
  return set(text, /( +)readySensor:/, `$1comfort: { sensor: response.time, enter: ${p.enter}, leave: ${p.leave} }\n$1readySensor:`);
}

const file = path.join(here, 'examples/swim/homeostat.yaml');
const base = await readFile(file, 'utf8');
const bySeed = new Map<number, Array<{ name: string; trace: ArrivalTrace }>>();
for (const seed of SEEDS) bySeed.set(seed, await evaluationTraces(seed));
const names = (bySeed.get(1) ?? []).map((t) => t.name);
type Cell = { utility: number; late: number };
/** Means over seeds 1-3 of one configuration (its text) on one trace at one boot delay. */
async function cell(text: string, source: string, name: string, delay: number): Promise<Cell> {
  const runs: SwimResult[] = [];
  for (const seed of SEEDS) {
    const trace = bySeed.get(seed)?.find((t) => t.name === name)?.trace;
    if (!trace) throw new Error(`no trace '${name}' for seed ${seed}`);
    runs.push(await swimRunText(text, source, delay, seed, trace));
  }
  return { utility: runs.reduce((a, r) => a + r.utility, 0) / runs.length, late: runs.reduce((a, r) => a + r.percentLate, 0) / runs.length };
}
const baselines = new Map<string, [Cell, Cell]>();
for (const name of names) {
  for (const d of BOOT_DELAYS) {
    const pair: Cell[] = [];
    for (const f of ['examples/swim/swim-reactive.yaml', 'examples/swim/swim-reactive2.yaml']) pair.push(await cell(await readFile(path.join(here, f), 'utf8'), path.join(here, f), name, d));
    baselines.set(`${name}/${d}`, pair as [Cell, Cell]);
  }
}
async function score(p: Point, traces: string[]): Promise<{ wins: number; ratio: number }> {
  let wins = 0;
  let ratio = 0;
  for (const name of traces) {
    for (const d of BOOT_DELAYS) {
      const r = await cell(configText(base, p), file, name, d);
      const [b1, b2] = baselines.get(`${name}/${d}`) as [Cell, Cell];
      if (r.utility > Math.max(b1.utility, b2.utility) && r.late < Math.min(b1.late, b2.late)) wins++;
      ratio += r.utility / Math.max(b1.utility, b2.utility);
    }
  }
  return { wins, ratio: ratio / (traces.length * BOOT_DELAYS.length) };
}
const train = names.filter((n) => TRAIN.includes(n));
const held = names.filter((n) => !TRAIN.includes(n));
const scored: Array<{ p: Point; wins: number; ratio: number }> = [];
for (const p of grid) scored.push({ p, ...(await score(p, train)) });
scored.sort((a, b) => b.wins - a.wins || b.ratio - a.ratio);
for (const s of scored.slice(0, 6)) {
  const h = await score(s.p, held);
  process.stdout.write(`${JSON.stringify(s.p)} training: wins ${s.wins}/${train.length * BOOT_DELAYS.length} utility x best Reactive ${s.ratio.toFixed(3)}; held out: wins ${h.wins}/${held.length * BOOT_DELAYS.length} x ${h.ratio.toFixed(3)}\n`);
}
