// The knowledge front over a real redis-server that stops answering (SIGSTOP): writes are kept in order up to
// the bound, writes above it are dropped, counted and reported once, the store is reported degraded, and on
// recovery what was kept reaches Redis exactly once (the timed-out transaction that Redis still ran when it
// woke up is not duplicated by the retry). Retries run on a virtual clock; Redis' own timeouts are real.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { KnowledgeMetrics } from '../../src/telemetry/knowledge-metrics.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { TestRedisServer } from '../support/redis-server.js';
import { decision } from './store-contract.js';

let server: TestRedisServer;

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  await server.dispose();
});

async function until(what: string, timeoutMs: number, condition: () => boolean): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function metric(registry: Registry, name: string): Promise<number> {
  const text = await registry.getSingleMetricAsString(name);
  return Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);
}

describe('Knowledge over a Redis that stops answering', () => {
  it('keeps the newest writes in order up to the bound, drops and counts the oldest, says it is degraded, and flushes once on recovery', async () => {
    const store = new RedisStore({ url: server.url, namespace: 'outage', commandTimeoutMs: 200 });
    await store.connect();
    const clock = new VirtualClock();
    const knowledge = new Knowledge(store, clock, { maxPendingWrites: 10, retryDelayMs: 1_000 });
    const registry = new Registry();
    new KnowledgeMetrics(registry, knowledge);
    const errors: string[] = [];
    knowledge.errors$.subscribe((e) => errors.push(e.message));
    expect(knowledge.degraded).toBe(false);
    expect(await metric(registry, 'homeostat_knowledge_store_degraded')).toBe(0);

    server.pause();
    try {
      for (let n = 1; n <= 25; n++) knowledge.recordDecision(decision(n));
      await until('the write times out', 5_000, () => errors.some((m) => /timed out/i.test(m)));
      expect(knowledge.pending).toBe(10);
      expect(knowledge.dropped).toBe(15);
      expect(knowledge.degraded).toBe(true);
      // past the bound the oldest records go (never policy state), each said on errors$
      expect(errors.filter((m) => /writes wait for the knowledge store; the oldest/.test(m))).toHaveLength(15);
      expect(await metric(registry, 'homeostat_knowledge_store_degraded')).toBe(1);
      expect(await metric(registry, 'homeostat_knowledge_pending_writes')).toBe(10);
      expect(await metric(registry, 'homeostat_knowledge_dropped_writes_total')).toBe(15);
    } finally {
      server.resume();
    }
    await clock.advanceBy(1_000); // the retry
    await until('the buffer drains', 5_000, () => knowledge.pending === 0);
    expect(knowledge.degraded).toBe(false);
    const kept = await store.queryDecisions({ limit: 100 });
    expect(kept.map((d) => d.id)).toEqual(Array.from({ length: 10 }, (_, i) => `d${25 - i}`));
    knowledge.recordDecision(decision(26)); // writes are accepted again
    await knowledge.flush();
    expect((await store.queryDecisions({ limit: 1 }))[0]?.id).toBe('d26');
    expect(await metric(registry, 'homeostat_knowledge_dropped_writes_total')).toBe(15);
    await knowledge.close();
  }, 20_000);
});
