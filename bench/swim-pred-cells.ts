// `npx tsx bench/swim-pred-cells.ts "predictive: { ... }" [base.yaml] [reference.yaml]`: one predictive floor (the
// line as it would stand in the file, with the horizon written for the file's 60 s boot delay) put into the built-in
// configuration (or the given one), against that configuration without it (or the reference given, e.g. the
// built-in configuration when the base differs from it in more than the floor), on every evaluation-set trace at
// 120, 180 and 240 s boot delay: mean utility over seeds 1-3 as a ratio, and the count of traces strictly above.
// The held-out traces are printed too: use it to report a point, and pick points with bench/swim-pred-tune.ts.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArrivalTrace } from '../src/index.js';
import { SEEDS, evaluationTraces, swimRunText } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const DELAYS = [120, 180, 240];
const [floor, baseArg, referenceArg] = process.argv.slice(2);
if (!floor || !/^predictive: \{.*\}$/.test(floor)) throw new Error(`argument 1: expected a 'predictive: { ... }' line, got ${JSON.stringify(floor)}`);
const baseFile = path.resolve(baseArg ?? path.join(here, 'examples/swim/homeostat.yaml'));
const base = await readFile(baseFile, 'utf8');
const anchor = /( +)scaleUp: \{[^}\n]*\}[^\n]*\n(?: +urgency: [^\n]*\n)?/;
if (!anchor.test(base)) throw new Error(`${baseFile}: no 'scaleUp: { ... }' line to put the predictive floor after`);
const withFloor = base.replace(anchor, (line, indent: string) => `${line}${indent}${floor}\n`);
const reference = referenceArg === undefined ? base : await readFile(path.resolve(referenceArg), 'utf8');

const traces = new Map<number, Array<{ name: string; trace: ArrivalTrace }>>();
for (const seed of SEEDS) traces.set(seed, await evaluationTraces(seed));

async function meanUtility(text: string, name: string, delay: number): Promise<number> {
  let sum = 0;
  for (const seed of SEEDS) {
    const trace = traces.get(seed)?.find((t) => t.name === name)?.trace;
    if (!trace) throw new Error(`no trace ${name} for seed ${seed}`);
    sum += (await swimRunText(text, baseFile, delay, seed, trace)).utility;
  }
  return sum / SEEDS.length;
}

const names = (traces.get(SEEDS[0] as number) ?? []).map((t) => t.name);
process.stdout.write(`${floor} on ${path.relative(here, baseFile)}${referenceArg === undefined ? '' : ` against ${path.relative(here, path.resolve(referenceArg))}`}\n`);
for (const delay of DELAYS) {
  let above = 0;
  const cells: string[] = [];
  for (const name of names) {
    const ratio = (await meanUtility(withFloor, name, delay)) / (await meanUtility(reference, name, delay));
    if (ratio > 1) above++;
    cells.push(`${name} ${ratio.toFixed(4)}`);
  }
  process.stdout.write(`${delay} s: above on ${above} of ${names.length} (${cells.join(', ')})\n`);
}
