import { createHash } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { readTrace } from '../../src/sim/trace.js';
import { PROPERTIES, runCase, type PropertyName } from './check-run.js';
import { excused } from './known-defects.js';
import { cases, commandLine, TRACE, type Case } from './schedules.js';
import type { PropertyCount, ShardReport } from './soak-tally.js';
import { exampleTargets, ROOT } from './targets.js';

/** Marks the lines a shard writes for the soak to read (anything else on stdout is passed through). */
export const SHARD_LINE = 'SOAK-SHARD ';

/** The key of a case: its blueprint and schedule (a schedule drawn twice is the same run). */
function keyOf(c: Case): string {
  return createHash('sha1').update(`${c.target.file}\n${JSON.stringify(c.events)}`).digest('hex').slice(0, 16);
}

/** The properties one case breaks: it runs twice, the second run for determinism. */
async function broken(c: Case, trace: Awaited<ReturnType<typeof readTrace>>): Promise<PropertyName[]> {
  const first = await runCase(c, trace);
  const again = await runCase(c, trace);
  return PROPERTIES.filter((p) => (p === 'deterministic' ? first.fingerprint !== again.fingerprint : first.violations[p].length > 0 && !excused(p, c, first.violations[p])));
}

/** What one shard checks, and where it reports. */
export interface ShardOptions {
  readonly shard: number;
  readonly seed: number;
  readonly runs: number;
  /** Report progress every this many schedules. */
  readonly every: number;
  readonly write: (report: ShardReport) => void;
  /** Which properties a case breaks; default: run it (twice) and check each property. */
  readonly broken?: (c: Case) => Promise<PropertyName[]>;
}

/**
 * One shard of the soak: `runs` schedules from `seed`, each checked against every property (one run shared
 * by all, a second for determinism). Reports progress every `every` schedules; then, for each property that
 * broke, replays its first failure and lets fast-check shrink it to the smallest schedule, printed as a
 * `homeostat simulate` command line.
 */
export async function runShard(options: ShardOptions): Promise<ShardReport> {
  const { shard, seed, runs, every, write } = options;
  const started = performance.now();
  const trace = await readTrace(path.join(ROOT, TRACE));
  const judge = options.broken ?? ((c: Case) => broken(c, trace));
  const arbitrary = cases(await exampleTargets());
  const counts = Object.fromEntries(PROPERTIES.map((p) => [p, { checked: 0, failed: 0 }])) as Record<PropertyName, PropertyCount>;
  const firstFailure = new Map<PropertyName, number>();
  const firstFailures: Partial<Record<PropertyName, string>> = {};
  const seen = new Map<string, PropertyName[]>();
  const report = (done: boolean, extra: Partial<ShardReport> = {}): ShardReport => ({ shard, seed, planned: runs, done, seconds: (performance.now() - started) / 1000, distinct: seen.size, counts: { ...counts }, firstFailures: { ...firstFailures }, ...extra });
  let index = 0;
  await fc.check(
    fc.asyncProperty(arbitrary, async (c) => {
      const run = index++;
      const key = keyOf(c);
      let failing = seen.get(key);
      if (!failing) seen.set(key, (failing = await judge(c)));
      for (const p of PROPERTIES) {
        const failed = failing.includes(p);
        counts[p] = { checked: counts[p].checked + 1, failed: counts[p].failed + (failed ? 1 : 0) };
        if (failed && !firstFailure.has(p)) {
          firstFailure.set(p, run);
          firstFailures[p] = `${commandLine(c)} (schedule ${run} of seed ${seed})`;
          write(report(false));
        }
      }
      if ((run + 1) % every === 0 && run + 1 < runs) write(report(false));
      return true;
    }),
    { seed, numRuns: runs },
  );
  const counterexamples: Partial<Record<PropertyName, string>> = {};
  for (const [property, run] of firstFailure) {
    const details = await fc.check(
      fc.asyncProperty(arbitrary, async (c) => !(await judge(c)).includes(property)),
      { seed, path: String(run), numRuns: runs },
    );
    const c = details.counterexample?.[0];
    if (!c) continue;
    const outcome = await runCase(c, trace);
    const what = property === 'deterministic' ? ['two runs of the same schedule decided differently'] : outcome.violations[property];
    counterexamples[property] = [commandLine(c), ...what.map((w) => `  - ${w}`)].join('\n');
  }
  const last = report(true, { keys: [...seen.keys()], counterexamples });
  write(last);
  return last;
}

const [shard, seed, runs, every] = process.argv.slice(2).map(Number);
if (import.meta.url === `file://${process.argv[1] ?? ''}` && shard !== undefined && seed !== undefined && runs !== undefined) {
  await runShard({ shard, seed, runs, every: every ?? 500, write: (r) => process.stdout.write(`${SHARD_LINE}${JSON.stringify(r)}\n`) });
}
