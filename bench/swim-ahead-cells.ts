// `npx tsx bench/swim-ahead-cells.ts "ahead: { ... }" [delays]`: the predictive brownout (the brownout's `ahead`
// line as it would stand in the file) put into the predictive configuration, against the built-in configuration
// (the reactive autoscaler) and against the predictive configuration without it, on every evaluation-set trace
// at the given boot delays (default 120, 180, 240 s): mean utility over seeds 1-3 as ratios, and the count of
// traces strictly above the built-in configuration. Held-out traces are printed too: report with it, pick on
// the training traces (wc98, flash-crowd, diurnal-wave) only.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArrivalTrace } from '../src/index.js';
import { SEEDS, evaluationTraces, swimRunText } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const [line, delaysArg] = process.argv.slice(2);
if (line === undefined || !/^(ahead: \{.*\}|none)$/.test(line)) throw new Error(`argument 1: expected an 'ahead: { ... }' line or 'none', got ${JSON.stringify(line)}`);
const delays = (delaysArg ?? '120,180,240').split(',').map(Number);
const builtInFile = path.join(here, 'examples/swim/homeostat.yaml');
const predictiveFile = path.join(here, 'examples/swim/homeostat-predictive.yaml');
const builtIn = await readFile(builtInFile, 'utf8');
const predictive = (await readFile(predictiveFile, 'utf8')).replace(/^ +ahead: [^\n]*\n/m, '');
const anchor = /( +)low: \{[^}\n]*\}[^\n]*\n/;
if (!anchor.test(predictive)) throw new Error(`${predictiveFile}: no brownout 'low: { ... }' line to put the ahead line after`);
const withAhead = line === 'none' ? predictive : predictive.replace(anchor, (found, indent: string) => `${found}${indent}${line}\n`);

const traces = new Map<number, Array<{ name: string; trace: ArrivalTrace }>>();
for (const seed of SEEDS) traces.set(seed, await evaluationTraces(seed));
const TRAINING = new Set(['wc98', 'flash-crowd', 'diurnal-wave']);

async function meanUtility(text: string, file: string, name: string, delay: number): Promise<number> {
  let sum = 0;
  for (const seed of SEEDS) {
    const trace = traces.get(seed)?.find((t) => t.name === name)?.trace;
    if (!trace) throw new Error(`no trace ${name} for seed ${seed}`);
    sum += (await swimRunText(text, file, delay, seed, trace)).utility;
  }
  return sum / SEEDS.length;
}

const names = (traces.get(SEEDS[0] as number) ?? []).map((t) => t.name);
process.stdout.write(`${line} in the predictive configuration; ratios: x built-in / x predictive without it\n`);
let trainingAbove = 0;
let trainingSum = 0;
let trainingCells = 0;
for (const delay of delays) {
  let above = 0;
  const cells: string[] = [];
  for (const name of names) {
    const mine = await meanUtility(withAhead, predictiveFile, name, delay);
    const reactive = await meanUtility(builtIn, builtInFile, name, delay);
    const floorOnly = await meanUtility(predictive, predictiveFile, name, delay);
    if (mine > reactive) above++;
    if (TRAINING.has(name)) {
      trainingCells++;
      trainingSum += mine / reactive;
      if (mine > reactive) trainingAbove++;
    }
    cells.push(`${name} ${(mine / reactive).toFixed(4)}/${(mine / floorOnly).toFixed(4)}`);
  }
  process.stdout.write(`${delay} s: above on ${above} of ${names.length} (${cells.join(', ')})\n`);
}
process.stdout.write(`training cells: ${trainingAbove} of ${trainingCells} above, mean ratio ${(trainingSum / trainingCells).toFixed(4)}\n`);
