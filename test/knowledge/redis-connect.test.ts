// Connecting the Redis store while Redis is briefly away (a restart): connect() keeps trying until Redis answers
// or its connect timeout has passed since the call, then gives up with the target and the cause, leaving no
// client connecting in the background. Real redis-server processes on free ports; the bounds are about real
// sockets, so they are wall-clock, and the test waits on the client's events, never on fixed sleeps.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { freePort } from '../support/free-port.js';
import { TestRedisServer } from '../support/redis-server.js';
import { RespStubServer } from '../support/resp-stub-server.js';

/** How far past its timeout connect() may settle: the bound its TSDoc states (100 ms) and some event-loop slack. */
const GIVE_UP_MARGIN_MS = 250;
/** Node's timers count whole milliseconds and may fire up to one early against `performance.now()`. */
const TIMER_SLACK_MS = 2;

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
    expect(tookMs).toBeGreaterThanOrEqual(timeoutMs - TIMER_SLACK_MS);
    expect(tookMs).toBeLessThan(timeoutMs + 2_000);
    // closed, not reconnecting in the background (which would keep the process from exiting)
    expect(store.redis.status).toBe('end');
  }, 20_000);
});

describe('RedisStore.close while connect() is still trying', () => {
  it('stops the attempts: connect() rejects, and the client stays ended when Redis comes back', async () => {
    await server.stop();
    const store = new RedisStore({ url: server.url, namespace: `c${++namespaces}`, connectTimeoutMs: 5_000 });
    try {
      const refused = once(store.redis, 'error');
      const outcome = connecting(store);
      await refused;
      // the host gives up on the start (e.g. SIGTERM during start) and closes the store
      const closing = performance.now();
      await store.close();
      const closeMs = performance.now() - closing;
      const result = await outcome;
      expect(result).toBeInstanceOf(Error);
      expect((result as Error).message).toContain(`closed while connecting to Redis at ${server.url}`);
      // close() waited for the loop: it is over, well before the 5 s connect timeout
      expect(closeMs).toBeLessThan(1_000);
      // Redis back within what would have been connect()'s timeout: a closed store opens no connection (which would keep the process alive)
      await server.restart();
      await expect(store.redis.ping()).rejects.toThrow();
      expect(store.redis.status).toBe('end');
      await expect(store.connect()).rejects.toThrow(/closed while connecting/);
    } finally {
      store.redis.disconnect();
      await server.restart();
    }
  }, 20_000);
});

describe('RedisStore.close right after connect() on a store already connected', () => {
  it('wins: connect() rejects "closed while connecting" and the client is ended', async () => {
    const store = new RedisStore({ url: server.url, namespace: `c${++namespaces}`, connectTimeoutMs: 2_000 });
    try {
      await store.connect();
      // the same turn: Redis cannot have answered the PING of the second connect()
      const again = connecting(store);
      const closing = store.close();
      const outcome = await again;
      await closing;
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toContain(`closed while connecting to Redis at ${server.url}`);
      expect(store.redis.status).toBe('end');
    } finally {
      store.redis.disconnect();
    }
  }, 20_000);
});

describe('RedisStore.connect to a server that accepts but never answers', () => {
  let silent: Server;
  let silentPort = 0;
  const held = new Set<Socket>();
  beforeAll(async () => {
    // a black-holing proxy: connections are accepted, never read, never answered
    silent = createServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const address = silent.address();
    silentPort = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it.each([
    ['a black-holing proxy', async () => ({ url: `redis://127.0.0.1:${silentPort}`, done: () => undefined })],
    ['a paused Redis', async () => {
      server.pause();
      return { url: server.url, done: () => server.resume() };
    }],
  ])('gives up on %s within the connect timeout plus a little, with the client ended', async (_kind, setUp) => {
    const { url, done } = await setUp();
    const timeoutMs = 1_000;
    const store = new RedisStore({ url, namespace: `c${++namespaces}`, connectTimeoutMs: timeoutMs });
    try {
      const started = performance.now();
      const outcome = await connecting(store);
      const tookMs = performance.now() - started;
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toContain(`cannot reach Redis at ${url} within ${timeoutMs} ms`);
      expect(tookMs).toBeGreaterThanOrEqual(timeoutMs - TIMER_SLACK_MS);
      expect(tookMs).toBeLessThan(timeoutMs + GIVE_UP_MARGIN_MS);
      expect(store.redis.status).toBe('end');
    } finally {
      done();
      store.redis.disconnect();
    }
  }, 20_000);

  it('bounds the PING by what is left of the connect timeout, not by the (longer) command timeout', async () => {
    const stub = await RespStubServer.start(['PING']);
    const timeoutMs = 1_000;
    const store = new RedisStore({ url: stub.url, namespace: `c${++namespaces}`, connectTimeoutMs: timeoutMs, commandTimeoutMs: 5_000 });
    try {
      const started = performance.now();
      const outcome = await connecting(store);
      const tookMs = performance.now() - started;
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toMatch(/\(1 attempt over \d+ ms\); last: no answer to PING$/);
      expect(tookMs).toBeLessThan(timeoutMs + GIVE_UP_MARGIN_MS);
      expect(store.redis.status).toBe('end');
    } finally {
      store.redis.disconnect();
      await stub.close();
    }
  }, 20_000);
});

describe('RedisStore.connect with wrong credentials', () => {
  it('names the authentication failure, with the client ended', async () => {
    const url = `redis://nosuchuser:wrongpass@127.0.0.1:${server.port}`;
    const store = new RedisStore({ url, namespace: `c${++namespaces}`, connectTimeoutMs: 1_000 });
    try {
      const outcome = await connecting(store);
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toMatch(/WRONGPASS|invalid username-password/);
      // the password is masked in the error
      expect((outcome as Error).message).not.toContain('wrongpass');
      expect(store.redis.status).toBe('end');
    } finally {
      store.redis.disconnect();
    }
  }, 20_000);
});

describe('a RedisStore used without connect()', () => {
  it('works once Redis is back after a first use that failed', async () => {
    await server.stop();
    const store = new RedisStore({ url: server.url, namespace: `c${++namespaces}`, connectTimeoutMs: 1_000 });
    try {
      await expect(store.write([{ kind: 'state', policy: 'p', key: 'k', value: 1 }])).rejects.toThrow();
      await server.restart();
      await store.write([{ kind: 'state', policy: 'p', key: 'k', value: 2 }]);
      expect((await store.loadPolicyStates()).get('p')?.get('k')).toBe(2);
    } finally {
      await store.close();
    }
  }, 20_000);
});
