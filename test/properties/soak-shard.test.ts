import { describe, expect, it } from 'vitest';
import type { PropertyName } from './check-run.js';
import type { Case } from './schedules.js';
import { runShard } from './soak-shard.js';
import type { ShardReport } from './soak-tally.js';

describe('a soak shard', () => {
  it('counts every schedule for every property, reports as it goes, and shrinks a broken property to a command line', async () => {
    // stands in for the runs: "limits" breaks whenever the database example's primary fails
    const broken = async (c: Case): Promise<PropertyName[]> =>
      c.target.file === 'examples/database-failover.yaml' && c.events.some((e) => e.kind === 'fail' && e.entity === 'db-1') ? ['limits'] : [];
    const reports: ShardReport[] = [];
    const last = await runShard({ shard: 3, seed: 11, runs: 300, every: 100, write: (r) => reports.push(r), broken });
    // a report every 100 schedules, one at once when a property first breaks (with that schedule), one at the end
    const first = reports.findIndex((r) => r.firstFailures?.limits !== undefined);
    expect(reports[first]?.counts.limits.failed).toBe(1);
    expect(reports[first]?.firstFailures?.limits).toMatch(/^homeostat simulate examples\/database-failover\.yaml .*--fail db-1@\d+ .*\(schedule \d+ of seed 11\)$/);
    expect(reports.filter((_, i) => i !== first).map((r) => [r.done, r.counts.deterministic.checked])).toEqual([[false, 100], [false, 200], [true, 300]]);
    expect(last.counts.limits.failed).toBeGreaterThan(0);
    expect(last.counts.deterministic.failed).toBe(0);
    expect(last.keys).toHaveLength(last.distinct);
    expect(last.distinct).toBeLessThanOrEqual(300);
    expect(Object.keys(last.counterexamples ?? {})).toEqual(['limits']);
    // shrunk to the primary's failure alone: lasting, or a flap (its recovery at the flap's shortest, 5 s)
    expect(last.counterexamples?.limits).toMatch(/^homeostat simulate examples\/database-failover\.yaml --trace \S+ --duration 400 --fail db-1@0 (--recover db-1@5 )?--json/);
  }, 60_000);
});
