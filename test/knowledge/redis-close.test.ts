// Closing the Redis store in the states Redis can leave it in: connected and healthy (writes called just before
// the close are applied), reconnecting after Redis went away (killed by PID: ended at once, no attempt after,
// no socket), and connected to a Redis that hangs (SIGSTOP by PID, SIGCONT in cleanup: the QUIT is not waited
// for longer than a small bound). Real redis-server processes on free ports; the bounds are about real sockets,
// so they are wall-clock, generous for a loaded 2-core machine but far below what the defects took.
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { openSocketsTo } from '../support/open-sockets.js';
import { TestRedisServer } from '../support/redis-server.js';
import { decision } from './store-contract.js';

/** A close of a client with nothing to wait for: a few event-loop turns, with slack for a loaded machine. */
const PROMPT_CLOSE_MS = 300;
/** A close on a hung Redis: `QUIT_WAIT_MS` (100 ms), the sockets destroyed, and slack. */
const HUNG_CLOSE_MS = 500;
/** Longer than the store's first reconnect delays (200 ms, 400 ms): an attempt due after the close would be seen. */
const WATCH_AFTER_CLOSE_MS = 700;

let server: TestRedisServer;
let namespaces = 0;

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  await server.dispose();
});

/** A store connected to the test's Redis. */
async function connectedStore(options: { commandTimeoutMs?: number } = {}): Promise<RedisStore> {
  const store = new RedisStore({ url: server.url, namespace: `close${++namespaces}`, ...options });
  await store.connect();
  return store;
}

/** Counts the client's connection attempts from now on. */
function countAttempts(store: RedisStore): () => number {
  let attempts = 0;
  store.redis.on('connecting', () => attempts++);
  return () => attempts;
}

/** Milliseconds `close()` took. */
async function timeClose(store: RedisStore): Promise<number> {
  const started = performance.now();
  await store.close();
  return performance.now() - started;
}

/** Waits `ms` of wall-clock time: real reconnect timers run in real time. */
function realTime(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('close() of a store reconnecting after Redis went away', () => {
  it.each([
    ['waiting for its next attempt', 'reconnecting'],
    ['in the middle of an attempt', 'connecting'],
  ] as const)('ends the client at once when it is %s: no socket, no attempt after the close, even once Redis is back', async (_case, event) => {
    const store = await connectedStore();
    const attempts = countAttempts(store);
    try {
      const reconnecting = once(store.redis, event);
      await server.stop();
      await reconnecting;
      const closeMs = await timeClose(store);
      expect(closeMs).toBeLessThan(PROMPT_CLOSE_MS);
      expect(store.redis.status).toBe('end');
      expect(openSocketsTo(server.port)).toEqual([]);
      const attemptsAtClose = attempts();
      // Redis back: an attempt after the close would now get through and hold a socket (the process would not exit)
      await server.restart();
      await realTime(WATCH_AFTER_CLOSE_MS);
      expect(attempts()).toBe(attemptsAtClose);
      expect(openSocketsTo(server.port)).toEqual([]);
      expect(store.redis.status).toBe('end');
    } finally {
      await server.restart();
    }
  });

  it('ends the client at once while its new connection waits for a server that accepts but never answers', async () => {
    const store = await connectedStore();
    const held = new Set<Socket>();
    await server.stop();
    // on the same port now: a black-holing server (accepts, never answers), so the reconnect hangs in its handshake
    const silent = createServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
    });
    try {
      silent.listen(server.port, '127.0.0.1');
      await once(silent, 'listening');
      await once(store.redis, 'connect');
      expect(openSocketsTo(server.port)).toHaveLength(1);
      const closeMs = await timeClose(store);
      expect(closeMs).toBeLessThan(PROMPT_CLOSE_MS);
      expect(store.redis.status).toBe('end');
      // gone when close() resolves, not some time after
      expect(openSocketsTo(server.port)).toEqual([]);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
      await server.restart();
    }
  });
});

describe('close() of a store connected to a Redis that hangs', () => {
  it('does not wait for the QUIT longer than a small bound, and leaves no socket', async () => {
    const store = await connectedStore({ commandTimeoutMs: 2_000 });
    server.pause();
    try {
      const closeMs = await timeClose(store);
      expect(closeMs).toBeLessThan(HUNG_CLOSE_MS);
      expect(store.redis.status).toBe('end');
      expect(openSocketsTo(server.port)).toEqual([]);
    } finally {
      server.resume();
    }
  });

  it('lets a write called before it fail within its own command timeout, then closes within the same small bound', async () => {
    const commandTimeoutMs = 400;
    const store = await connectedStore({ commandTimeoutMs });
    server.pause();
    try {
      const started = performance.now();
      const written = store.write([{ kind: 'decision', value: decision(1) }]).then(
        () => 'written',
        (error: unknown) => error as Error,
      );
      await store.close();
      const closeMs = performance.now() - started;
      const outcome = await written;
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toMatch(/timed out/i);
      expect(closeMs).toBeGreaterThanOrEqual(commandTimeoutMs - 2);
      expect(closeMs).toBeLessThan(commandTimeoutMs + HUNG_CLOSE_MS);
      expect(store.redis.status).toBe('end');
      expect(openSocketsTo(server.port)).toEqual([]);
    } finally {
      server.resume();
    }
  });
});

describe('close() of a store connected to a healthy Redis', () => {
  it('applies the writes called just before it, then rejects later ones naming the store', async () => {
    const store = await connectedStore();
    const namespace = store.keys.namespace;
    const writes = [1, 2, 3].map((n) => store.write([{ kind: 'decision', value: decision(n) }, { kind: 'state', policy: 'p', key: `k${n}`, value: n }]));
    const closing = store.close();
    const late = store.write([{ kind: 'decision', value: decision(4) }]);
    await expect(Promise.all(writes)).resolves.toBeDefined();
    await expect(late).rejects.toThrow(`the Redis store at ${server.url} is closed`);
    await expect(store.queryDecisions({})).rejects.toThrow(`the Redis store at ${server.url} is closed`);
    await closing;
    expect(store.redis.status).toBe('end');
    expect(openSocketsTo(server.port)).toEqual([]);

    const reader = new RedisStore({ url: server.url, namespace });
    try {
      await reader.connect();
      expect((await reader.queryDecisions({})).map((d) => d.id).sort()).toEqual(['d1', 'd2', 'd3']);
      expect((await reader.loadPolicyStates()).get('p')).toEqual(new Map([['k1', 1], ['k2', 2], ['k3', 3]]));
    } finally {
      await reader.close();
    }
  });

  it('is the same close when called again', async () => {
    const store = await connectedStore();
    const first = store.close();
    const second = store.close();
    expect(second).toBe(first);
    await first;
    expect(store.redis.status).toBe('end');
  });
});
