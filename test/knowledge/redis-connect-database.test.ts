// The database of a Redis URL: one the server has is used (its writes land there, not in database 0); one it
// does not have fails the start at once, naming it, instead of ioredis' silent fall back to database 0 where
// another deployment's data may be. A real redis-server of the test's own (16 databases, the default).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { TestRedisServer } from '../support/redis-server.js';

let server: TestRedisServer;

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  await server.dispose();
});

/** How many keys database `db` of the test's server holds. */
async function keysIn(db: number): Promise<number> {
  const client = new Redis({ port: server.port, host: '127.0.0.1', db, lazyConnect: true });
  try {
    await client.connect();
    return await client.dbsize();
  } finally {
    client.disconnect();
  }
}

describe('RedisStore.connect and the database of the URL', () => {
  it('refuses a database the server does not have, at once, naming it, with the client ended', async () => {
    const store = new RedisStore({ url: `redis://:hunter2@127.0.0.1:${server.port}/99`, namespace: 'db99', connectTimeoutMs: 5_000 });
    const started = performance.now();
    const outcome = await store.connect().then(() => 'connected', (error: unknown) => error as Error);
    try {
      expect(outcome).toBeInstanceOf(Error);
      const message = (outcome as Error).message;
      expect(message).toMatch(/^Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/99 has no such database \(SELECT 99: ERR DB index is out of range; after \d+ ms, not retried\)/);
      // not retried until the connect timeout: the same database is missing at every attempt
      expect(performance.now() - started).toBeLessThan(2_500);
      expect(store.redis.status).toBe('end');
      expect(await keysIn(0)).toBe(0);
    } finally {
      await store.close();
    }
  }, 20_000);

  it('writes to the database the URL names', async () => {
    const store = new RedisStore({ url: `${server.url}/3`, namespace: 'db3' });
    try {
      await store.connect();
      await store.write([{ kind: 'state', policy: 'web/autoscaler', key: 'cooldownUntil', value: 42 }]);
      expect(await keysIn(3)).toBeGreaterThan(0);
      expect(await keysIn(0)).toBe(0);
    } finally {
      await store.close();
    }
  }, 20_000);
});
