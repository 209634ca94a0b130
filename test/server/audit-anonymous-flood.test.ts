// Refusals of callers without a valid token are audited at most ANONYMOUS_REFUSALS_PER_WINDOW a minute, the
// rest counted into one entry: each was an entry, so 13,000 anonymous POSTs (4.5 s) pushed every real entry
// out of the log (it keeps the newest 10,000), erasing the trail of what callers with tokens did.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS_REFUSALS_PER_WINDOW, AnonymousRefusals } from '../../src/server/refusals.js';
import { TOKENS, apiFixture } from './fixture.js';

describe('a flood of anonymous requests cannot push the audit log out', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());

  it('audits the first refusals of a minute and keeps what callers with tokens did', async () => {
    expect((await api.call('POST', '/policies/web%2Fautoscaler/suspend', TOKENS.operator, { reason: 'the entry to keep' })).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => api.call('POST', '/entities/db/effectors/fence', undefined, {})));
      expect(answers.every((a) => a.status === 401)).toBe(true);
    }
    const entries = (await api.call('GET', '/audit?limit=10000', TOKENS.admin)).body;
    expect(entries.filter((e) => (e['who'] as { name: string }).name === 'unauthenticated')).toHaveLength(ANONYMOUS_REFUSALS_PER_WINDOW);
    expect(entries.some((e) => e['action'] === 'suspend' && (e['params'] as { reason?: string })?.reason === 'the entry to keep')).toBe(true);
  });
});

describe('AnonymousRefusals', () => {
  it('admits the first of a window, counts the rest, and hands the count over when the next window begins', () => {
    let now = 0;
    const refusals = new AnonymousRefusals(3, 60_000, () => now);
    expect(Array.from({ length: 5 }, () => refusals.admit())).toEqual([
      { audit: true }, { audit: true }, { audit: true }, { audit: false, firstCounted: true }, { audit: false },
    ]);
    now = 59_999;
    expect(refusals.admit()).toEqual({ audit: false });
    expect(refusals.takeEnded()).toBeUndefined(); // its window is not over
    now = 60_000;
    expect(refusals.admit()).toEqual({ audit: true, unaudited: { count: 3, sinceMs: 0, untilMs: 60_000 } });
    expect(refusals.admit()).toEqual({ audit: true });
  });

  it('hands the count of an ended window over once, without a later refusal; at a stop, the count so far', () => {
    let now = 0;
    const refusals = new AnonymousRefusals(1, 60_000, () => now);
    refusals.admit();
    refusals.admit();
    refusals.admit();
    now = 61_000;
    expect(refusals.takeEnded()).toEqual({ count: 2, sinceMs: 0, untilMs: 60_000 });
    expect(refusals.takeEnded()).toBeUndefined();
    now = 70_000;
    expect(refusals.admit()).toEqual({ audit: true }); // a new window: nothing left to hand over
    expect(refusals.admit()).toEqual({ audit: false, firstCounted: true });
    now = 80_000;
    expect(refusals.takeAll()).toEqual({ count: 1, sinceMs: 70_000, untilMs: 80_000 });
    expect(refusals.takeAll()).toBeUndefined();
  });
});
