// Redis losing its scripts while the store is connected (SCRIPT FLUSH; or a script first sent while Redis
// refused the transaction, e.g. on OOM, so it was never loaded): ioredis never sends a script's body again
// inside MULTI, so every batch failed with NOSCRIPT until a restart. The store loads the scripts again and
// carries on, on the same connection. A real redis-server of the test's own (free port; never 6379).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseKey } from '../../src/cluster/lease.js';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import type { WriteOp } from '../../src/knowledge/store.js';
import { TestRedisServer } from '../support/redis-server.js';
import { decision } from './store-contract.js';

let server: TestRedisServer;
let admin: Redis;

beforeAll(async () => {
  server = await TestRedisServer.start();
  admin = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
  await admin.connect();
}, 20_000);

afterAll(async () => {
  admin.disconnect();
  await server.dispose();
});

/** A decision write of `id`, fenced by the lease `a` held by `me` under token 7 when `fenced`. */
function decisionWrite(id: string, fenced: boolean): WriteOp {
  return { kind: 'decision', value: decision(1, { id, entity: 'a', policy: 'a/restarter' }), ...(fenced ? { fence: { lease: 'a', owner: 'me', token: 7 } } : {}) };
}

describe('RedisStore after Redis lost its scripts', () => {
  it('stores decisions again after SCRIPT FLUSH, plain and fenced, without reconnecting', async () => {
    const store = new RedisStore({ url: server.url, namespace: 'lost-scripts' });
    try {
      await store.connect();
      await store.redis.set(leaseKey(store.keys.namespace, 'a'), 'me|7');
      // both scripts sent once on this connection: ioredis sends EVALSHA from now on
      await store.write([decisionWrite('before-plain', false), decisionWrite('before-fenced', true)]);
      const connection = await store.redis.client('ID');

      await admin.script('FLUSH');
      await store.write([decisionWrite('after-plain', false), decisionWrite('after-fenced', true)]);
      await store.write([decisionWrite('later-plain', false), decisionWrite('later-fenced', true)]);

      expect((await store.queryDecisions({ limit: 10 })).map((d) => d.id).sort()).toEqual(['after-fenced', 'after-plain', 'before-fenced', 'before-plain', 'later-fenced', 'later-plain']);
      // the same connection: recovered by loading the scripts, not by a reconnect
      expect(await store.redis.client('ID')).toBe(connection);
    } finally {
      await store.close();
    }
  }, 20_000);
});
