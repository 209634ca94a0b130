// `npx tsx bench/swim-pred-oracle.ts [trace] [bootDelay]`: the most any predictive floor could gain over the
// built-in configuration on one evaluation-set trace at one boot delay (default: the steady ramp at 120 s), by
// hindsight. For each seed it runs the built-in configuration, finds the minutes at which its reactive rules
// scaled up, and runs it again with a scheduled floor (the autoscaler's `schedule`) that asks for that size
// `lead` minutes earlier, one scale-up at a time, for leads of 0-5 minutes: a floor that knew the future and
// timed each scale-up to the minute. Prints each lead's utility against the built-in configuration's, per seed
// and as the ratio of the means over seeds 1-3.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBlueprint, runSimulation } from '../src/index.js';
import { SEEDS, evaluationTraces } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const [traceName = 'steady-ramp', delayText = '120'] = process.argv.slice(2);
const bootDelay = Number(delayText);
if (!Number.isFinite(bootDelay) || bootDelay < 0) throw new Error(`argument 2: expected a boot delay in seconds, got ${JSON.stringify(delayText)}`);
const LEADS = [0, 1, 2, 3, 4, 5];
const file = path.join(here, 'examples/swim/homeostat.yaml');
const base = (await readFile(file, 'utf8')).replace(/bootDelay: \d+s/, `bootDelay: ${bootDelay}s`);
const anchor = /\n( +)scaleDown: [^\n]*\n/;
if (!anchor.test(base)) throw new Error(`${file}: no 'scaleDown:' line to put the scheduled floor after`);

/** The built-in configuration with a floor of `size` from minute `from` of the run until minute `until`. */
function withFloor(from: number, until: number, size: number): string {
  const cron = `${from % 60} ${Math.floor(from / 60)} * * *`; // the simulated clock starts at 00:00 UTC
  return base.replace(anchor, (line, indent: string) => `${line}${indent}schedule: [{ cron: '${cron}', duration: ${(until - from) * 60}s, size: ${size} }]\n`);
}

async function run(text: string, seed: number): Promise<{ utility: number; scaleUps: Array<{ minute: number; size: number }> }> {
  const trace = (await evaluationTraces(seed)).find((t) => t.name === traceName)?.trace;
  if (!trace) throw new Error(`no trace '${traceName}' in the evaluation set`);
  const { report } = await runSimulation(await parseBlueprint(text, file), { trace, seed });
  const system = report.systems[0];
  if (!system) throw new Error('no simulated system');
  const scaleUps = report.timeline
    .filter((d) => d.policy.endsWith('/autoscaler') && d.outcome === 'applied')
    .map((d) => ({ minute: Math.floor(d.at / 60), match: /resize (\d+) -> (\d+)/.exec(d.reason) }))
    .filter((d) => d.match && Number(d.match[2]) > Number(d.match[1]))
    .map((d) => ({ minute: d.minute, size: Number(d.match?.[2]) }));
  return { utility: system.swim.utility, scaleUps };
}

process.stdout.write(`${traceName} at ${bootDelay} s: each reactive scale-up asked 'lead' minutes earlier by a floor that knew when\n`);
const reactive = new Map<number, Awaited<ReturnType<typeof run>>>();
for (const seed of SEEDS) reactive.set(seed, await run(base, seed));
const steps = Math.max(...[...reactive.values()].map((r) => r.scaleUps.length));
for (let step = 0; step < steps; step++) {
  for (const lead of LEADS) {
    const deltas: string[] = [];
    let sum = 0;
    let sumBase = 0;
    for (const seed of SEEDS) {
      const r = reactive.get(seed);
      const up = r?.scaleUps[step];
      if (!r || !up) continue;
      const floored = lead === 0 ? r : await run(withFloor(up.minute - lead, up.minute + 1, up.size), seed);
      sum += floored.utility;
      sumBase += r.utility;
      deltas.push(`seed ${seed} (minute ${up.minute}, -> ${up.size}) ${(floored.utility - r.utility).toFixed(0)}`);
    }
    if (deltas.length > 0) process.stdout.write(`scale-up ${step + 1}, lead ${lead} min: x${(sum / sumBase).toFixed(4)} (${deltas.join(', ')})\n`);
  }
}
