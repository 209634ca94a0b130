// `npx tsx bench/swim-pred-tune.ts`: picks the predictive floor of examples/swim/homeostat-predictive.yaml on
// the training traces only (WC98, flash crowd, diurnal wave) at the boot delays where prediction must pay (120,
// 180, 240 s), seeds 1-3, against the built-in reactive configuration (the same file without the floor). A cell
// is won when the mean utility is strictly above the reactive one; the grid point with the most training cells
// won, then the highest mean utility ratio, is chosen. The best points' scores on the held-out traces (steady
// ramp, low noisy load, step up and down) are printed and play no part in the choice. 25 points x 81 runs:
// about 40 minutes on a loaded 2-core machine (nice it).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArrivalTrace } from '../src/index.js';
import { evaluationTraces, swimRunText } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const TRAIN = ['wc98', 'flash-crowd', 'diurnal-wave'];
const DELAYS = [120, 180, 240];
const SEEDS = [1, 2, 3];

/**
 * One predictive floor: its own per-server target, or none (the reactive rules size the forecast growth, with
 * their tolerance or the point's), headroom in forecast errors, significance, lead over the boot delay, trend factor.
 */
type Point = { target?: number; tolerance?: number; margin: number; confidence: number; lead: number; beta: number };
// the configuration before the significance test (own target 20, one error of headroom), then the grid
const grid: Point[] = [{ target: 20, margin: 1, confidence: 0, lead: 60, beta: 0.1 }];
for (const confidence of [1, 2]) for (const lead of [0, 60]) {
  grid.push({ target: 20, margin: 0, confidence, lead, beta: 0.5 });
  for (const tolerance of [0, undefined]) grid.push({ ...(tolerance !== undefined ? { tolerance } : {}), margin: 0, confidence, lead, beta: 0.5 });
}
for (const target of [22, 23, 24]) for (const lead of [0, 60, 120]) grid.push({ target, margin: 0, confidence: 1, lead, beta: 0.5 });
grid.push({ target: 20, margin: 0, confidence: 1.5, lead: 0, beta: 0.5 }, { target: 23, margin: 0, confidence: 1.5, lead: 120, beta: 0.5 }, { target: 23, margin: 0, confidence: 1, lead: 120, beta: 0.3 });

const reactiveFile = path.join(here, 'examples/swim/homeostat.yaml');
const reactive = await readFile(reactiveFile, 'utf8');
const predictiveFile = path.join(here, 'examples/swim/homeostat-predictive.yaml');

/** The built-in configuration with the point's predictive floor (and nothing else changed). */
function configText(p: Point): string {
  const anchor = /( +)scaleUp: \{[^}\n]*\}[^\n]*\n(?: +urgency: [^\n]*\n)?/;
  if (!anchor.test(reactive)) throw new Error(`${reactiveFile}: no 'scaleUp: { ... }' line to put the predictive floor after (the tuner is out of date)`);
  const bootDelay = Number(/bootDelay: (\d+)s/.exec(reactive)?.[1]);
  const floor = `predictive: { sensor: arrival.rate, ${p.target !== undefined ? `target: ${p.target}, ` : ''}${p.tolerance !== undefined ? `tolerance: ${p.tolerance}, ` : ''}horizon: ${bootDelay + p.lead}s, margin: ${p.margin}, beta: ${p.beta}, confidence: ${p.confidence} }`;
  return reactive.replace(anchor, (line, indent: string) => `${line}${indent}${floor}\n`);
}

const traces = new Map<string, Array<{ name: string; trace: ArrivalTrace }>>();
for (const seed of SEEDS) traces.set(String(seed), await evaluationTraces(seed));
const names = (traces.get('1') ?? []).map((t) => t.name);

async function meanUtility(text: string, file: string, name: string, delay: number): Promise<number> {
  let sum = 0;
  for (const seed of SEEDS) {
    const trace = traces.get(String(seed))?.find((t) => t.name === name)?.trace;
    if (!trace) throw new Error(`no trace ${name} for seed ${seed}`);
    sum += (await swimRunText(text, file, delay, seed, trace)).utility;
  }
  return sum / SEEDS.length;
}

const base = new Map<string, number>();
for (const name of names) for (const d of DELAYS) base.set(`${name}/${d}`, await meanUtility(reactive, reactiveFile, name, d));

async function score(p: Point, set: string[]): Promise<{ wins: number; ratio: number; cells: string[] }> {
  let wins = 0;
  let ratio = 0;
  const cells: string[] = [];
  for (const name of set) {
    for (const d of DELAYS) {
      const u = await meanUtility(configText(p), predictiveFile, name, d);
      const b = base.get(`${name}/${d}`) as number;
      if (u > b) wins++;
      ratio += u / b;
      cells.push(`${name}@${d} ${(u / b).toFixed(3)}`);
    }
  }
  return { wins, ratio: ratio / (set.length * DELAYS.length), cells };
}

const held = names.filter((n) => !TRAIN.includes(n));
const scored: Array<{ p: Point; wins: number; ratio: number; cells: string[] }> = [];
for (const p of grid) {
  const s = await score(p, TRAIN);
  scored.push({ p, ...s });
  process.stderr.write(`${JSON.stringify(p)} wins ${s.wins}/9 x ${s.ratio.toFixed(4)}\n`);
}
scored.sort((a, b) => b.wins - a.wins || b.ratio - a.ratio);
for (const s of scored.slice(0, 5)) {
  const h = await score(s.p, held);
  process.stdout.write(`${JSON.stringify(s.p)} training: wins ${s.wins}/9 x ${s.ratio.toFixed(3)} [${s.cells.join(', ')}]; held out: wins ${h.wins}/9 x ${h.ratio.toFixed(3)} [${h.cells.join(', ')}]\n`);
}
