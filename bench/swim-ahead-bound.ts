// `npx tsx bench/swim-ahead-bound.ts [config.yaml] [delays]`: the most a predictive brownout could gain, by
// hindsight. Runs the configuration (default the predictive one) on every evaluation-set trace at the given
// boot delays (default 120, 180, 240 s), seeds 1-3, and lists every scored period whose mean response time was
// past SWIM's threshold (its utility is lost whatever the dimmer): the arrival rate the period before and in
// it, the one-period-ahead Holt forecast of it made from the readings before it (alpha and beta as the
// brownout's `ahead` defaults), and the period's revenue at its dimmer had it been in time (the bound on what
// lowering the dimmer ahead of it could win back). A slow period whose rate the forecast did not see coming
// (forecast below 90 % of it) cannot be avoided by a dimmer lowered on the forecast; nor can one that follows
// a slow period (the backlog is already there and the reactive rules have seen it): only the onsets count.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBlueprint, runSimulation } from '../src/index.js';
import { holtForecast, holtUpdate, type HoltState } from '../src/planners/holt-forecast.js';
import { periodUtility } from '../src/sim/swim/utility.js';
import { SEEDS, evaluationTraces } from './swim-experiment.js';

const here = path.resolve(import.meta.dirname, '..');
const [file = 'examples/swim/homeostat-predictive.yaml', delaysArg = '120,180,240'] = process.argv.slice(2);
const delays = delaysArg.split(',').map(Number);
const original = await readFile(path.join(here, file), 'utf8');
const lead = Number(/horizon: (\d+)s/.exec(original)?.[1] ?? 0) - Number(/bootDelay: (\d+)s/.exec(original)?.[1] ?? 0);
const WARM_UP = 900;
const THRESHOLD = 0.75;

let slow = 0;
let onsets = 0;
let foreseen = 0;
let bound = 0;
let boundForeseen = 0;
let total = 0;
for (const delay of delays) {
  const text = original.replace(/bootDelay: \d+s/g, `bootDelay: ${delay}s`).replace(/horizon: \d+s/, `horizon: ${Math.max(1, delay + lead)}s`);
  const blueprint = await parseBlueprint(text, path.join(here, file));
  for (const seed of SEEDS) {
    for (const { name, trace } of await evaluationTraces(seed)) {
      const run = await runSimulation(blueprint, { trace, seed });
      const system = run.host.systems[0];
      if (!system) throw new Error('no simulated system');
      total += run.report.systems[0]?.swim.utility ?? 0;
      let holt: HoltState | undefined;
      let previous: number | undefined;
      let previousLate = false;
      for (const p of system.periods) {
        const length = p.to - p.from;
        const rate = p.arrivals / length;
        const forecast = holt ? holtForecast(holt, holt.stepMs) : undefined;
        if (p.from >= WARM_UP && (p.meanResponseTime ?? 0) > THRESHOLD) {
          // in time at its own dimmer (full revenue at that dimmer, no server savings): the most avoiding it could win
          const inTime = periodUtility({ ...p, meanResponseTime: 0 }, { ...system.settings }) - periodUtility(p, system.settings);
          const onset = !previousLate;
          const seen = onset && forecast !== undefined && forecast >= 0.9 * rate;
          slow++;
          if (onset) onsets++;
          bound += inTime;
          if (seen) {
            foreseen++;
            boundForeseen += inTime;
          }
          process.stdout.write(`${name} ${delay} s seed ${seed} minute ${p.from / 60}: rate ${previous?.toFixed(1)} -> ${rate.toFixed(1)}, forecast ${forecast?.toFixed(1) ?? '-'}${onset ? ' (onset)' : ''}${seen ? ' (seen)' : ''}, response time ${p.meanResponseTime?.toFixed(2)} s, utility ${periodUtility(p, system.settings).toFixed(0)}, in time ${(periodUtility(p, system.settings) + inTime).toFixed(0)}\n`);
        }
        holt = holtUpdate(holt, rate, p.to * 1000, { alpha: 0.5, beta: 0.5 });
        previousLate = (p.meanResponseTime ?? 0) > THRESHOLD;
        previous = rate;
      }
    }
  }
}
const cells = delays.length * SEEDS.length;
process.stdout.write(`${slow} slow periods past ${THRESHOLD} s over ${cells} boot-delay x seed runs of every trace, ${onsets} of them onsets (the period before in time); the forecast saw ${foreseen} onsets coming\n`);
process.stdout.write(`bound: ${bound.toFixed(0)} (all slow periods in time, ${((100 * bound) / total).toFixed(2)} % of the utility), ${boundForeseen.toFixed(0)} for the foreseen onsets (${((100 * boundForeseen) / total).toFixed(3)} %)\n`);
