// `npx tsx bench/swim-raise-ahead-cells.ts "raiseAhead: { ... }" ["raiseAhead: { ... }" ...]`: each forecast-sized
// raise (the brownout's `raiseAhead` line as it would stand in the file) put into the predictive configuration
// (examples/swim/homeostat-predictive.yaml, any `raiseAhead` it has replaced), against the built-in reactive
// configuration (examples/swim/homeostat.yaml), on every evaluation-set trace at 120, 180 and 240 s boot delay:
// mean utility over seeds 1-3 as a ratio, the count of traces strictly above, and the training cells (WC98, the
// flash crowd, the diurnal wave: the traces the configuration is picked on) apart. "none" runs the file as it is
// without `raiseAhead`. With `--into=<file>` first, the lines go into that configuration instead (e.g. the built-in
// one itself, to see how much of a gain is the dimmer's rather than the floor's).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArrivalTrace } from '../src/index.js';
import { SEEDS as TABLE_SEEDS, evaluationTraces, swimRunText } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const DELAYS = [120, 180, 240];
const TRAIN = ['wc98', 'flash-crowd', 'diurnal-wave'];
const args = process.argv.slice(2);
const into = args[0]?.startsWith('--into=') ? (args.shift() as string).slice('--into='.length) : undefined;
const seedsArg = args[0]?.startsWith('--seeds=') ? (args.shift() as string).slice('--seeds='.length) : undefined;
// an empty list or an empty item (`--seeds=`, `--seeds=1,,2`) is no seed: Number('') would be seed 0
const SEEDS = seedsArg === undefined ? TABLE_SEEDS : seedsArg.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
if (SEEDS.some((s) => !Number.isInteger(s))) throw new Error(`--seeds: expected whole numbers separated by commas, got ${JSON.stringify(seedsArg)}`);
const points = args;
if (points.length === 0 || points.some((p) => p !== 'none' && !/^raiseAhead: \{.*\}$/.test(p))) throw new Error(`expected 'raiseAhead: { ... }' lines or 'none', got ${JSON.stringify(points)}`);
const predictiveFile = path.resolve(here, into ?? 'examples/swim/homeostat-predictive.yaml');
const reactiveFile = path.join(here, 'examples/swim/homeostat.yaml');
const predictive = (await readFile(predictiveFile, 'utf8')).replace(/\n +raiseAhead: [^\n]*/, '');
const reactive = await readFile(reactiveFile, 'utf8');
const anchor = /\n( +)low: [^\n]*/;
if (!anchor.test(predictive)) throw new Error(`${predictiveFile}: no brownout 'low:' line to put raiseAhead after`);

const traces = new Map<number, Array<{ name: string; trace: ArrivalTrace }>>();
for (const seed of SEEDS) traces.set(seed, await evaluationTraces(seed));
const names = (traces.get(SEEDS[0] as number) ?? []).map((t) => t.name);

async function meanUtility(text: string, file: string, name: string, delay: number): Promise<number> {
  let sum = 0;
  for (const seed of SEEDS) {
    const trace = traces.get(seed)?.find((t) => t.name === name)?.trace;
    if (!trace) throw new Error(`no trace ${name} for seed ${seed}`);
    sum += (await swimRunText(text, file, delay, seed, trace)).utility;
  }
  return sum / SEEDS.length;
}

const base = new Map<string, number>();
for (const name of names) for (const d of DELAYS) base.set(`${name}/${d}`, await meanUtility(reactive, reactiveFile, name, d));
for (const point of points) {
  const text = point === 'none' ? predictive : predictive.replace(anchor, (line, indent: string) => `${line}\n${indent}${point}`);
  let trainWins = 0;
  let trainRatio = 0;
  const lines: string[] = [];
  for (const delay of DELAYS) {
    let above = 0;
    const cells: string[] = [];
    for (const name of names) {
      const ratio = (await meanUtility(text, predictiveFile, name, delay)) / (base.get(`${name}/${delay}`) as number);
      if (ratio > 1) above++;
      if (TRAIN.includes(name)) {
        trainRatio += ratio / (TRAIN.length * DELAYS.length);
        if (ratio > 1) trainWins++;
      }
      cells.push(`${name} ${ratio.toFixed(4)}`);
    }
    lines.push(`  ${delay} s: above on ${above} of ${names.length} (${cells.join(', ')})`);
  }
  process.stdout.write(`${point}: training ${trainWins} of ${TRAIN.length * DELAYS.length} x ${trainRatio.toFixed(4)}\n${lines.join('\n')}\n`);
}
