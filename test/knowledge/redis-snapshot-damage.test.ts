// Sensor snapshots damaged in Redis from outside: a read of one entity's snapshots skips and names what it
// cannot read, leaves it as stored, and returns the rest. Against a real redis-server of the test's own (free
// port; never the shared one on 6379).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STATE_FIELD_BYTES } from '../../src/knowledge/redis/redis-state-read.js';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import type { UnreadableSnapshot } from '../../src/knowledge/store.js';
import { TestRedisServer } from '../support/redis-server.js';

let server: TestRedisServer;
let namespaces = 0;

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  await server.dispose();
});

async function storeWithSnapshots(): Promise<RedisStore> {
  const store = new RedisStore({ url: server.url, namespace: `snapshots${++namespaces}` });
  await store.connect();
  await store.write([
    { kind: 'snapshot', value: { entity: 'web', sensor: 'cpu', value: 0.5, at: 1 } },
    { kind: 'snapshot', value: { entity: 'web', sensor: 'rps', value: { p50: 3 }, at: 2 } },
    { kind: 'snapshot', value: { entity: 'db', sensor: 'cpu', value: 0.9, at: 3 } },
  ]);
  return store;
}

describe('RedisStore: stored sensor snapshots', () => {
  it('reads the snapshots of the sensors asked for, and none of another entity', async () => {
    const store = await storeWithSnapshots();
    const found = await store.loadSnapshots({ entity: 'web', sensors: ['cpu', 'rps', 'never'] });
    expect(found.sort((a, b) => a.sensor.localeCompare(b.sensor))).toEqual([{ entity: 'web', sensor: 'cpu', value: 0.5, at: 1 }, { entity: 'web', sensor: 'rps', value: { p50: 3 }, at: 2 }]);
    expect(await store.loadSnapshots({ entity: 'web', sensors: [] })).toEqual([]);
    expect(await store.loadSnapshots({ entity: 'nobody', sensors: ['cpu'] })).toEqual([]);
    await store.close();
  });

  it('skips and names what it cannot read, leaves it as stored, and returns the rest', async () => {
    const store = await storeWithSnapshots();
    const key = store.keys.snapshots;
    const damaged: Record<string, string> = {
      'web\u0000junk': '{bad',
      'web\u0000deep': '['.repeat(300) + ']'.repeat(300),
      'web\u0000list': '[1, 2]',
      'web\u0000other': JSON.stringify({ entity: 'db', sensor: 'cpu', value: 1, at: 1 }),
      'web\u0000when': JSON.stringify({ entity: 'web', sensor: 'when', value: 1, at: 'yesterday' }),
      'web\u0000empty': JSON.stringify({ entity: 'web', sensor: 'empty', at: 1 }),
      'web\u0000huge': 'x'.repeat(MAX_STATE_FIELD_BYTES + 1),
    };
    for (const [field, text] of Object.entries(damaged)) await store.redis.hset(key, field, text);
    const skipped: UnreadableSnapshot[] = [];
    const found = await store.loadSnapshots({ entity: 'web', sensors: ['cpu', 'junk', 'deep', 'list', 'other', 'when', 'empty', 'huge'] }, (part) => skipped.push(part));
    expect(found).toEqual([{ entity: 'web', sensor: 'cpu', value: 0.5, at: 1 }]);
    const problems = Object.fromEntries(skipped.map((part) => [part.sensor, part.problem]));
    expect(skipped.every((part) => part.key === key && part.entity === 'web')).toBe(true);
    expect(problems).toEqual({
      junk: expect.stringMatching(/^is not JSON/),
      deep: expect.stringMatching(/^is not read: .*256/),
      list: 'is not a JSON object',
      other: 'names another entity or sensor than its field',
      when: "has no finite number 'at'",
      empty: "has no 'value'",
      huge: `holds ${MAX_STATE_FIELD_BYTES + 1} bytes, past the ${MAX_STATE_FIELD_BYTES} a snapshot is read up to`,
    });
    // left as stored
    expect(await store.redis.hget(key, 'web\u0000junk')).toBe('{bad');
    // a read of every snapshot skips the same ones
    const all: UnreadableSnapshot[] = [];
    expect((await store.loadSnapshots(undefined, (part) => all.push(part))).map((s) => `${s.entity}/${s.sensor}`).sort()).toEqual(['db/cpu', 'web/cpu', 'web/rps']);
    expect(all).toHaveLength(7);
    await store.close();
  });

  it('names a snapshots key of another type and reads nothing from it', async () => {
    const store = await storeWithSnapshots();
    await store.redis.del(store.keys.snapshots);
    await store.redis.set(store.keys.snapshots, 'hello');
    const skipped: UnreadableSnapshot[] = [];
    expect(await store.loadSnapshots({ entity: 'web', sensors: ['cpu'] }, (part) => skipped.push(part))).toEqual([]);
    expect(skipped).toEqual([{ key: store.keys.snapshots, entity: 'web', sensor: '', problem: 'is a string, not a hash: no snapshot is read' }]);
    await store.close();
  });
});
