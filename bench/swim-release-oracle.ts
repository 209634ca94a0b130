// `npx tsx bench/swim-release-oracle.ts [trace] [bootDelay] [config.yaml]`: the most any forecast-driven
// scale-down could gain on one evaluation-set trace at one boot delay (default: the flash crowd at 240 s, on the
// predictive configuration), by hindsight. For each seed it runs the configuration, finds the minutes at which
// its autoscaler scaled down, and runs it again with a scheduled exact size (the autoscaler's `schedule`, mode
// `exact`) that releases those members `lead` minutes earlier, one scale-down at a time, for leads of 1-3
// minutes: a release that knew the future, and that may go below what the reactive rules ask (which a release
// bounded by them never does). A scale-down with another resize in the `lead` minutes before it is skipped.
// Prints each lead's utility against the configuration's own, per seed and as the ratio of the means.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBlueprint, runSimulation } from '../src/index.js';
import { SEEDS, evaluationTraces } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const [traceName = 'flash-crowd', delayText = '240', config = 'examples/swim/homeostat-predictive.yaml'] = process.argv.slice(2);
const bootDelay = Number(delayText);
if (!Number.isFinite(bootDelay) || bootDelay < 0) throw new Error(`argument 2: expected a boot delay in seconds, got ${JSON.stringify(delayText)}`);
const LEADS = [1, 2, 3];
const file = path.join(here, config);
const original = await readFile(file, 'utf8');
// the forecast horizon follows the boot delay with the file's lead over it, as bench/swim-experiment.ts runs it
const horizonLead = Number(/horizon: (\d+)s/.exec(original)?.[1] ?? 0) - Number(/bootDelay: (\d+)s/.exec(original)?.[1] ?? 0);
const base = original.replace(/bootDelay: \d+s/, `bootDelay: ${bootDelay}s`).replace(/horizon: \d+s/, `horizon: ${Math.max(1, bootDelay + horizonLead)}s`);
const anchor = /\n( +)scaleDown: [^\n]*\n/;
if (!anchor.test(base)) throw new Error(`${file}: no 'scaleDown:' line to put the scheduled size after`);

/** The configuration held at exactly `size` from minute `from` of the run until minute `until`. */
function withExact(from: number, until: number, size: number): string {
  const cron = `${from % 60} ${Math.floor(from / 60)} * * *`; // the simulated clock starts at 00:00 UTC
  return base.replace(anchor, (line, indent: string) => `${line}${indent}schedule: [{ cron: '${cron}', duration: ${(until - from) * 60}s, size: ${size}, mode: exact }]\n`);
}

type Resize = { minute: number; from: number; to: number };
async function run(text: string, seed: number): Promise<{ utility: number; resizes: Resize[] }> {
  const trace = (await evaluationTraces(seed)).find((t) => t.name === traceName)?.trace;
  if (!trace) throw new Error(`no trace '${traceName}' in the evaluation set`);
  const { report } = await runSimulation(await parseBlueprint(text, file), { trace, seed });
  const system = report.systems[0];
  if (!system) throw new Error('no simulated system');
  const resizes = report.timeline
    .filter((d) => d.policy.endsWith('/autoscaler') && d.outcome === 'applied')
    .flatMap((d) => {
      const match = /resize (\d+) -> (\d+)/.exec(d.reason);
      return match ? [{ minute: Math.floor(d.at / 60), from: Number(match[1]), to: Number(match[2]) }] : [];
    });
  return { utility: system.swim.utility, resizes };
}

process.stdout.write(`${traceName} at ${bootDelay} s (${config}): each scale-down released 'lead' minutes earlier by a release that knew when\n`);
const own = new Map<number, Awaited<ReturnType<typeof run>>>();
for (const seed of SEEDS) own.set(seed, await run(base, seed));
for (const lead of LEADS) {
  let sum = 0;
  let sumBase = 0;
  const deltas: string[] = [];
  for (const seed of SEEDS) {
    const r = own.get(seed);
    if (!r) continue;
    for (const down of r.resizes.filter((x) => x.to < x.from && x.minute >= 15)) {
      // a release earlier than a resize made just before it would undo that resize: not a release of the same members
      if (r.resizes.some((x) => x !== down && x.minute < down.minute && x.minute >= down.minute - lead)) continue;
      const released = await run(withExact(down.minute - lead, down.minute, down.to), seed);
      sum += released.utility;
      sumBase += r.utility;
      deltas.push(`s${seed} m${down.minute} ${down.from}->${down.to}: ${(released.utility - r.utility).toFixed(0)}`);
    }
  }
  process.stdout.write(`lead ${lead} min: ${sumBase > 0 ? `x${(sum / sumBase).toFixed(4)}` : 'no scale-down'} (${deltas.join(', ')})\n`);
}
