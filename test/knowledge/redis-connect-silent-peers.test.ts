// A Sentinel or a Redis Cluster seed that accepts connections but never answers (a black-holing proxy, a paused
// process): connect() gives up on time, and neither the failed start nor a close() during it leaves a socket
// open, ioredis' own connections included (the sentinel's question for the primary, the cluster's slots
// refresher), which would keep the process from exiting. Real sockets on a local silent server, so the bounds
// are wall-clock; they are generous for a loaded machine but below what the defects took (for ever; 2 s more).
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { msUntilNoSocketTo, openSocketsTo, someSocketTo } from '../support/open-sockets.js';

/**
 * How far past its timeout connect() may settle: the bound its TSDoc states (100 ms) and event-loop slack of a
 * loaded machine (499 ms seen at load average 12 on 2 cores), still well under what the defects took (2 s more).
 */
const GIVE_UP_MARGIN_MS = 900;

let silent: Server;
let silentPort = 0;
const held = new Set<Socket>();

// a fresh server for each test, so that what one test leaves open is not counted by the next
beforeEach(async () => {
  // accepts connections, never reads, never answers
  silent = createServer((socket) => {
    held.add(socket);
    socket.on('close', () => held.delete(socket));
    socket.on('error', () => undefined);
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const address = silent.address();
  silentPort = typeof address === 'object' && address ? address.port : 0;
});

afterEach(async () => {
  for (const socket of openSocketsTo(silentPort)) socket.destroy();
  for (const socket of held) socket.destroy();
  held.clear();
  await new Promise((resolve) => silent.close(resolve));
});

/** The outcome of a connect, settled either way, so that an early rejection is not an unhandled one. */
function settled(p: Promise<void>): Promise<'connected' | Error> {
  return p.then(
    () => 'connected' as const,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
}

describe('connect() to a Sentinel that accepts but never answers', () => {
  it('gives up on time with the client ended and no socket left open to the sentinel', async () => {
    const timeoutMs = 1_000;
    const store = new RedisStore({ url: `redis+sentinel://127.0.0.1:${silentPort}/mymaster`, connectTimeoutMs: timeoutMs, commandTimeoutMs: 5_000 });
    try {
      const started = performance.now();
      const outcome = await settled(store.connect());
      const tookMs = performance.now() - started;
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toContain(`within ${timeoutMs} ms`);
      expect(tookMs).toBeLessThan(timeoutMs + GIVE_UP_MARGIN_MS);
      // ended when connect() rejects (the sentinel question's own timeout, 5 s here, is not what ends it)
      expect(store.redis.status).toBe('end');
      expect(await msUntilNoSocketTo(silentPort, 500)).toBeLessThan(500);
    } finally {
      store.redis.disconnect();
    }
  }, 20_000);

  it('close() during the attempt ends the client and leaves no socket open to the sentinel', async () => {
    const store = new RedisStore({ url: `redis+sentinel://127.0.0.1:${silentPort}/mymaster`, connectTimeoutMs: 5_000 });
    try {
      const outcome = settled(store.connect());
      // the question to the sentinel is on its way (held by the silent server)
      await someSocketTo(silentPort, 2_000);
      const closing = performance.now();
      await store.close();
      const closeMs = performance.now() - closing;
      expect(await outcome).toBeInstanceOf(Error);
      expect(store.redis.status).toBe('end');
      // within 150 ms of the abort by connectRedis' TSDoc; far from the 5 s connect timeout
      expect(closeMs).toBeLessThan(1_000);
      expect(await msUntilNoSocketTo(silentPort, 500)).toBeLessThan(500);
    } finally {
      store.redis.disconnect();
    }
  }, 20_000);
});

describe('connect() to a Redis Cluster seed that accepts but never answers', () => {
  it('gives up with no socket left open soon after, the slots refresher included', async () => {
    const store = new RedisStore({ url: `redis+cluster://127.0.0.1:${silentPort}`, connectTimeoutMs: 1_000 });
    try {
      const outcome = await settled(store.connect());
      expect(outcome).toBeInstanceOf(Error);
      expect(store.redis.status).toBe('end');
      // the refresher's CLUSTER SLOTS times out with the connect, then its socket is destroyed within 100 ms
      // (ioredis' default disconnect timeout kept it 2 s)
      expect(await msUntilNoSocketTo(silentPort, 1_000)).toBeLessThan(1_000);
    } finally {
      store.redis.disconnect();
    }
  }, 20_000);

  it('close() during the attempt leaves no socket open once the refresher\'s command has timed out', async () => {
    const commandTimeoutMs = 1_000;
    const store = new RedisStore({ url: `redis+cluster://127.0.0.1:${silentPort}`, connectTimeoutMs: 10_000, commandTimeoutMs });
    try {
      const outcome = settled(store.connect());
      await someSocketTo(silentPort, 2_000);
      const closing = performance.now();
      await store.close();
      expect(await outcome).toBeInstanceOf(Error);
      expect(store.redis.status).toBe('end');
      // the refresher is outside the client's reach: it ends at its command timeout plus 100 ms (2 s more before)
      expect(await msUntilNoSocketTo(silentPort, 3_000)).toBeLessThan(3_000);
      expect(performance.now() - closing).toBeLessThan(commandTimeoutMs + 800);
    } finally {
      store.redis.disconnect();
    }
  }, 20_000);
});

describe('close() of a store never connected', () => {
  it.each([
    ['one Redis', () => `redis://127.0.0.1:${silentPort}`],
    ['Sentinel', () => `redis+sentinel://127.0.0.1:${silentPort}/mymaster`],
    ['Redis Cluster', () => `redis+cluster://127.0.0.1:${silentPort}`],
  ])('(%s) ends the client without opening a connection', async (_kind, url) => {
    const store = new RedisStore({ url: url(), connectTimeoutMs: 1_000 });
    try {
      await store.close();
      expect(store.redis.status).toBe('end');
      expect(openSocketsTo(silentPort)).toHaveLength(0);
      // a connection would have reached the local server by now (the absence of one cannot be waited for)
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(held.size).toBe(0);
    } finally {
      store.redis.disconnect();
    }
  }, 20_000);
});
