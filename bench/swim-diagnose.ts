// `npx tsx bench/swim-diagnose.ts <trace> <bootDelay> [seed] [config.yaml] [against.yaml]`: per monitoring period,
// what the built-in configuration (or the given one) and SWIM's Reactive (or the other one given) did on one
// evaluation-set trace: arrival
// rate, servers, dimmer, response time and the period's utility side by side, then the configuration's
// decisions. For understanding where one configuration loses to the other, minute by minute.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBlueprint, runSimulation, type SimulationRun } from '../src/index.js';
import { periodUtility } from '../src/sim/swim/utility.js';
import { evaluationTraces } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const [traceName = 'flash-crowd', delayText = '120', seedText = '1', ours = 'examples/swim/homeostat.yaml', against = 'examples/swim/swim-reactive.yaml'] = process.argv.slice(2);
const bootDelay = Number(delayText);
const seed = Number(seedText);
const entry = (await evaluationTraces(seed)).find((t) => t.name === traceName);
if (!entry) throw new Error(`no trace '${traceName}' in the evaluation set`);
const trace = entry.trace;

async function run(file: string): Promise<SimulationRun> {
  const absolute = path.join(here, file);
  const original = await readFile(absolute, 'utf8');
  // the forecast horizon follows the boot delay with the file's lead over it, as bench/swim-experiment.ts runs it
  const lead = Number(/horizon: (\d+)s/.exec(original)?.[1] ?? 0) - Number(/bootDelay: (\d+)s/.exec(original)?.[1] ?? 0);
  const text = original.replace(/bootDelay: \d+s/, `bootDelay: ${bootDelay}s`).replace(/horizon: \d+s/, `horizon: ${Math.max(1, bootDelay + lead)}s`);
  return runSimulation(await parseBlueprint(text, absolute), { trace, seed });
}
const a = await run(ours);
const b = await run(against);
const [sa, sb] = [a.host.systems[0], b.host.systems[0]];
if (!sa || !sb) throw new Error('no simulated system');
const f = (x: number | undefined, d = 2): string => (x === undefined ? '-' : x.toFixed(d)).padStart(7);
process.stdout.write(`${traceName} boot ${bootDelay} s seed ${seed}: utility ${a.report.systems[0]?.swim.utility.toFixed(0)} (${ours}) vs ${b.report.systems[0]?.swim.utility.toFixed(0)} (${against})\n`);
process.stdout.write(' min   rate |   srv    dim     rt       U |   srv    dim     rt       U |    dU   cum dU\n');
let cum = 0;
sa.periods.forEach((p, i) => {
  const q = sb.periods[i];
  if (!q || p.from < 900) return;
  const ua = periodUtility(p, sa.settings);
  const ub = periodUtility(q, sb.settings);
  cum += ua - ub;
  process.stdout.write(`${String(p.from / 60).padStart(4)} ${f(p.arrivals / (p.to - p.from), 1)} |${f(p.servers)}${f(p.dimmer)}${f(p.meanResponseTime, 3)}${f(ua, 0)} |${f(q.servers)}${f(q.dimmer)}${f(q.meanResponseTime, 3)}${f(ub, 0)} |${f(ua - ub, 0)}${f(cum, 0)}\n`);
});
for (const d of a.report.timeline) process.stdout.write(`${(d.at / 60).toFixed(2).padStart(7)} ${d.policy} ${d.outcome} ${d.reason}\n`);
