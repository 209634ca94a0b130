// Why a batch failed, as Redis said it: a transaction Redis discarded (EXECABORT) used to be reported only as
// "EXECABORT Transaction discarded because of previous errors", hiding READONLY (a replica) or OOM (maxmemory).
// And a script first sent while Redis refused the transaction was never loaded: once the cause was gone, every
// batch failed with NOSCRIPT for ever. A real redis-server of the test's own (free port; never 6379).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import type { WriteOp } from '../../src/knowledge/store.js';
import { freePort } from '../support/free-port.js';
import { TestRedisServer } from '../support/redis-server.js';
import { decision } from './store-contract.js';

let server: TestRedisServer;
let admin: Redis;
let namespaces = 0;

beforeAll(async () => {
  server = await TestRedisServer.start();
  admin = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
  await admin.connect();
}, 20_000);

afterAll(async () => {
  admin.disconnect();
  await server.dispose();
});

/** A decision (appended by a script) and a policy state field (a plain HSET), as the loop writes them. */
function batch(id: string): WriteOp[] {
  return [
    { kind: 'decision', value: decision(1, { id, entity: 'a', policy: 'a/restarter' }) },
    { kind: 'state', policy: 'a/restarter', key: 'restarts', value: 1 },
  ];
}

async function freshStore(): Promise<RedisStore> {
  const store = new RedisStore({ url: server.url, namespace: `causes${++namespaces}` });
  await store.connect();
  return store;
}

describe('RedisStore write failures', () => {
  it('name READONLY when the server is a replica, not only EXECABORT', async () => {
    const store = await freshStore();
    // a replica of a primary that is not there: it refuses writes, as a replica does
    await admin.replicaof('127.0.0.1', await freePort());
    try {
      await expect(store.write(batch('on-replica'))).rejects.toThrow(/^READONLY You can't write against a read only replica\. \(Redis discarded the whole transaction: EXECABORT\)$/);
    } finally {
      await admin.replicaof('NO', 'ONE');
      await store.close();
    }
  }, 20_000);

  it('name OOM while Redis is out of memory, and write again once it is not (no NOSCRIPT left behind)', async () => {
    const store = await freshStore();
    // the first batch of this connection meets OOM: its scripts are sent, and refused with the transaction
    await admin.config('SET', 'maxmemory', '1');
    try {
      await expect(store.write(batch('during-oom'))).rejects.toThrow(/^OOM command not allowed when used memory > 'maxmemory'\. \(Redis discarded the whole transaction: EXECABORT\)$/);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    try {
      await store.write(batch('after-oom'));
      expect((await store.queryDecisions({})).map((d) => d.id)).toEqual(['after-oom']);
    } finally {
      await store.close();
    }
  }, 20_000);
});
