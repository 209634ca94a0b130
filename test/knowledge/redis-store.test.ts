// The Redis store against a real redis-server of the test's own (free port; never the shared one on 6379).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { TestRedisServer } from '../support/redis-server.js';
import { auditEntry, CONTRACT_MAX_AUDIT, CONTRACT_MAX_DECISIONS, decision, describeStoreContract, fault, invocation } from './store-contract.js';

let server: TestRedisServer;
let namespaces = 0;

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  await server.dispose();
});

async function freshStore(options: { maxDecisionAgeMs?: number; maxAuditAgeMs?: number } = {}): Promise<RedisStore> {
  const store = new RedisStore({ url: server.url, namespace: `t${++namespaces}`, maxDecisions: CONTRACT_MAX_DECISIONS, maxAuditEntries: CONTRACT_MAX_AUDIT, ...options });
  await store.connect();
  return store;
}

describeStoreContract('RedisStore', () => freshStore());

describe('RedisStore', () => {
  it('writing the same batch twice (a retry after an unknown result) duplicates nothing', async () => {
    const store = await freshStore();
    const batch = [{ kind: 'decision' as const, value: decision(1) }, { kind: 'invocation' as const, value: invocation(1) }, { kind: 'fault' as const, value: fault(1) }, { kind: 'audit' as const, value: auditEntry(1) }];
    await store.write(batch);
    await store.write(batch);
    expect(await store.queryDecisions({})).toHaveLength(1);
    expect(await store.queryInvocations({})).toHaveLength(1);
    expect(await store.queryFaults({})).toHaveLength(1);
    expect(await store.queryAudit({})).toHaveLength(1);
    await store.close();
  });

  it('drops decisions older than its age bound, relative to the newest', async () => {
    const store = await freshStore({ maxDecisionAgeMs: 5_000 });
    for (let n = 1; n <= 40; n++) await store.write([{ kind: 'decision', value: decision(n) }]);
    await store.write([{ kind: 'decision', value: decision(41) }]);
    const kept = await store.queryDecisions({ limit: 1000 });
    expect(Math.min(...kept.map((d) => d.at))).toBeGreaterThanOrEqual(41_000 - 5_000 - 16_000); // trimmed at least every 16 writes
    expect(kept.length).toBeLessThan(41);
    await store.close();
  });

  it('drops audit entries older than its age bound, relative to the newest', async () => {
    const store = await freshStore({ maxAuditAgeMs: 500 });
    for (let n = 1; n <= 40; n++) await store.write([{ kind: 'audit', value: auditEntry(n) }]);
    await store.write([{ kind: 'audit', value: auditEntry(41) }]);
    const kept = await store.queryAudit({ limit: 1000 });
    expect(Math.min(...kept.map((e) => e.at))).toBeGreaterThanOrEqual(4_100 - 500 - 1_600); // trimmed at least every 16 writes
    expect(kept.length).toBeLessThan(41);
    expect(kept[0]?.seq).toBe(41);
    await store.close();
  });

  it('keeps one deployment apart from another in the same Redis', async () => {
    const a = await freshStore();
    const b = await freshStore();
    await a.write([{ kind: 'decision', value: decision(1) }, { kind: 'state', policy: 'p', key: 'k', value: 1 }]);
    expect(await b.queryDecisions({})).toEqual([]);
    expect(await b.loadPolicyStates()).toEqual(new Map());
    await Promise.all([a.close(), b.close()]);
  });

  it('never waits longer than its command timeout on a Redis that does not answer', async () => {
    const store = new RedisStore({ url: server.url, namespace: `t${++namespaces}`, commandTimeoutMs: 300 });
    await store.connect();
    server.pause();
    try {
      const started = performance.now();
      await expect(store.write([{ kind: 'decision', value: decision(1) }])).rejects.toThrow(/timed out/i);
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      server.resume();
    }
    await store.write([{ kind: 'decision', value: decision(2) }]);
    expect((await store.queryDecisions({})).map((d) => d.id)).toContain('d2');
    await store.close();
  });
});
