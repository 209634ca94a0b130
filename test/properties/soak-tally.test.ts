import { describe, expect, it } from 'vitest';
import { PROPERTIES, type PropertyName } from './check-run.js';
import { formatTotals, tally, type PropertyCount, type ShardReport } from './soak-tally.js';

const counts = (checked: number, failed: Partial<Record<PropertyName, number>> = {}): Record<PropertyName, PropertyCount> =>
  Object.fromEntries(PROPERTIES.map((p) => [p, { checked, failed: failed[p] ?? 0 }])) as Record<PropertyName, PropertyCount>;

const shard = (n: number, checked: number, extra: Partial<ShardReport> = {}): ShardReport => ({ shard: n, seed: 7 + n, planned: 50, done: false, seconds: 10, distinct: checked, counts: counts(checked), ...extra });

describe('the soak adds up its shards', () => {
  it('sums schedules checked and failures per property over the shards', () => {
    const totals = tally([shard(0, 30, { counts: counts(30, { limits: 2 }) }), shard(1, 20, { counts: counts(20, { limits: 1, deterministic: 1 }) })], 60);
    expect(totals.planned).toBe(100);
    expect(totals.counts.limits).toEqual({ checked: 50, failed: 3 });
    expect(totals.counts.deterministic).toEqual({ checked: 50, failed: 1 });
    expect(totals.counts['single-writable-primary']).toEqual({ checked: 50, failed: 0 });
  });

  it('counts a run drawn by two shards once when every shard is done, and says the count is a bound before', () => {
    const running = tally([shard(0, 3), shard(1, 3, { done: true, keys: ['a', 'b', 'c'] })], 5);
    expect(running).toMatchObject({ distinct: 6, exact: false });
    expect(formatTotals(running)).toContain('<= 6 distinct runs');
    const done = tally([shard(0, 3, { done: true, keys: ['a', 'x', 'y'] }), shard(1, 3, { done: true, keys: ['a', 'b', 'c'] })], 5);
    expect(done).toMatchObject({ distinct: 5, exact: true });
    const table = formatTotals(done);
    expect(table.split('\n')).toHaveLength(1 + PROPERTIES.length);
    expect(table).toMatch(/^ {2}bounded-recovery +6 checked +5 distinct runs +0 failed +0\.1 min$/m);
  });
});
