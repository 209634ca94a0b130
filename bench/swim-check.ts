// `npx tsx bench/swim-check.ts [config.yaml]`: every cell of the evaluation set (trace x boot delay, means
// over seeds 1-3) for one configuration against both Reactive ports; prints the cells it does not win.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SwimResult } from '../src/index.js';
import { BOOT_DELAYS, SEEDS, evaluationTraces, swimRun, swimRunText } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const file = path.resolve(process.argv[2] ?? path.join(here, 'examples/swim/homeostat.yaml'));
const text = await readFile(file, 'utf8');
type Cell = { utility: number; late: number };
const sum = new Map<string, { ours: Cell; r1: Cell; r2: Cell }>();
const add = (a: Cell, r: SwimResult): void => { a.utility += r.utility / SEEDS.length; a.late += r.percentLate / SEEDS.length; };
for (const seed of SEEDS) {
  for (const { name, trace } of await evaluationTraces(seed)) {
    for (const d of BOOT_DELAYS) {
      const key = `${name}/${d}`;
      const c = sum.get(key) ?? { ours: { utility: 0, late: 0 }, r1: { utility: 0, late: 0 }, r2: { utility: 0, late: 0 } };
      sum.set(key, c);
      add(c.ours, await swimRunText(text, file, d, seed, trace));
      add(c.r1, await swimRun('examples/swim/swim-reactive.yaml', d, seed, trace));
      add(c.r2, await swimRun('examples/swim/swim-reactive2.yaml', d, seed, trace));
    }
  }
}
let wins = 0;
for (const [key, { ours, r1, r2 }] of sum) {
  const won = ours.utility > Math.max(r1.utility, r2.utility) && ours.late < Math.min(r1.late, r2.late);
  if (won) wins++;
  process.stdout.write(`${won ? '   ' : ' x '}${key.padEnd(18)} utility x best ${(ours.utility / Math.max(r1.utility, r2.utility)).toFixed(3)}  late ${ours.late.toFixed(2)} vs ${Math.min(r1.late, r2.late).toFixed(2)}\n`);
}
process.stdout.write(`wins ${wins} of ${sum.size}\n`);
