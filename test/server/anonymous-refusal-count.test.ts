// Refusals of callers without a valid token past 100 a minute are counted, not audited one by one; the count
// is written once its minute has ended, or when the service stops, not only with a refusal of a later minute
// (when the flood simply stopped, the audit showed 100 refusals and nothing of the rest).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ANONYMOUS_REFUSALS_PER_WINDOW } from '../../src/server/refusals.js';
import { TOKENS, apiFixture } from './fixture.js';

const unauthenticated = (e: Record<string, unknown>): boolean => (e['who'] as { name: string }).name === 'unauthenticated';

describe('refusals counted rather than audited are not lost when the flood stops', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());
  afterEach(() => vi.useRealTimers());

  it('150 anonymous POSTs, then quiet for two minutes: the audit says 50 more were refused', async () => {
    // only Date is faked: the window of AnonymousRefusals reads Date.now (sockets and timers stay real)
    vi.useFakeTimers({ toFake: ['Date'] });
    const answers = await Promise.all(Array.from({ length: ANONYMOUS_REFUSALS_PER_WINDOW + 50 }, () => api.call('POST', '/entities/db/effectors/fence', undefined, {})));
    expect(answers.every((a) => a.status === 401)).toBe(true);
    vi.setSystemTime(Date.now() + 120_000);
    // no further anonymous request comes; an admin reads the log
    const entries = (await api.call('GET', '/audit?limit=10000', TOKENS.admin)).body;
    expect(entries.filter(unauthenticated)).toHaveLength(ANONYMOUS_REFUSALS_PER_WINDOW + 1);
    expect(entries.some((e) => unauthenticated(e) && /\b50 more requests\b/.test(String(e['detail'])))).toBe(true);
  });

  it('150 anonymous POSTs, then the service stops: the count is in the stored audit', async () => {
    const own = await apiFixture();
    const answers = await Promise.all(Array.from({ length: ANONYMOUS_REFUSALS_PER_WINDOW + 50 }, () => own.call('POST', '/entities/db/effectors/fence', undefined, {})));
    expect(answers.every((a) => a.status === 401)).toBe(true);
    const knowledge = own.deployment.knowledge;
    await own.close();
    const stored = await knowledge.queryAudit({ limit: 10_000 });
    expect(stored.some((e) => e.who.name === 'unauthenticated' && /\b50 more requests\b/.test(e.detail ?? ''))).toBe(true);
  });
});
