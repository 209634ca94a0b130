// Connecting the Redis store while Redis is briefly away (a restart): connect() keeps trying until Redis answers
// or its connect timeout has passed since the call, then gives up with the target and the cause, leaving no
// client connecting in the background. Real redis-server processes on free ports; the bounds are about real
// sockets, so they are wall-clock, and the test waits on the client's events, never on fixed sleeps.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { freePort } from '../support/free-port.js';
import { TestRedisServer } from '../support/redis-server.js';

let server: TestRedisServer;
let namespaces = 0;

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  await server.dispose();
});

/** The outcome of a connect, settled either way, so that an early rejection is not an unhandled one. */
function connecting(store: RedisStore): Promise<'connected' | Error> {
  return store.connect().then(
    () => 'connected' as const,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
}

/** The store reads back what it wrote: it really talks to Redis. */
async function expectWorking(store: RedisStore): Promise<void> {
  await store.write([{ kind: 'state', policy: 'web/autoscaler', key: 'cooldownUntil', value: 42 }]);
  const states = await store.loadPolicyStates();
  expect(states.get('web/autoscaler')?.get('cooldownUntil')).toBe(42);
}

describe('RedisStore.connect during a Redis outage', () => {
  it('waits for a Redis that is down at the call and back within the connect timeout', async () => {
    await server.stop();
    const store = new RedisStore({ url: server.url, namespace: `c${++namespaces}`, connectTimeoutMs: 5_000 });
    try {
      const refused = once(store.redis, 'error');
      const outcome = connecting(store);
      // an attempt has failed (ECONNREFUSED): connect is under way while Redis is down
      await refused;
      await server.restart();
      expect(await outcome).toBe('connected');
      await expectWorking(store);
    } finally {
      await store.close();
      await server.restart();
    }
  }, 20_000);

  it('gets through when Redis is restarted while the connection is being set up', async () => {
    const store = new RedisStore({ url: server.url, namespace: `c${++namespaces}`, connectTimeoutMs: 5_000 });
    try {
      // a paused Redis accepts the connection (the kernel does) but answers nothing: the client waits for its ready check
      server.pause();
      const connected = once(store.redis, 'connect');
      const outcome = connecting(store);
      await connected;
      // the restart closes that connection under the client (what ioredis' connect() gives up on)
      await server.restart();
      expect(await outcome).toBe('connected');
      await expectWorking(store);
    } finally {
      await store.close();
    }
  }, 20_000);

  it.each([
    ['one Redis', (port: number) => `redis://127.0.0.1:${port}`],
    ['Sentinel', (port: number) => `redis+sentinel://127.0.0.1:${port}/homeostat-test`],
    ['Redis Cluster', (port: number) => `redis+cluster://127.0.0.1:${port}`],
  ])('gives up on %s that never answers after the connect timeout, naming it, with the client closed', async (_kind, urlFor) => {
    const url = urlFor(await freePort());
    const timeoutMs = 1_000;
    const store = new RedisStore({ url, namespace: `c${++namespaces}`, connectTimeoutMs: timeoutMs });
    const started = performance.now();
    const outcome = await connecting(store);
    const tookMs = performance.now() - started;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toContain(`cannot reach Redis at ${url} within ${timeoutMs} ms`);
    expect((outcome as Error).message).toMatch(/\(\d+ attempts over \d+ ms\); last: \S/);
    expect(tookMs).toBeGreaterThanOrEqual(timeoutMs);
    expect(tookMs).toBeLessThan(timeoutMs + 2_000);
    // closed, not reconnecting in the background (which would keep the process from exiting)
    expect(store.redis.status).toBe('end');
  }, 20_000);
});
