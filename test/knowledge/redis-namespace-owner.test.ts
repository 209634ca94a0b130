// One Redis namespace holds one blueprint's knowledge: a second blueprint given the same namespace is refused
// at the start, with a message saying which blueprint holds it and what to do. Against a real redis-server of
// the test's own (free port; never the shared one on 6379).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKnowledgeStore } from '../../src/cli/knowledge-option.js';
import type { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { TestRedisServer } from '../support/redis-server.js';

let server: TestRedisServer;

beforeAll(async () => {
  server = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  await server.dispose();
});

async function open(blueprint: string, namespace: string): Promise<RedisStore> {
  return (await openKnowledgeStore({ redisUrl: server.url, namespace }, blueprint)) as RedisStore;
}

describe('a Redis namespace and its blueprint', () => {
  it('is claimed by the first blueprint; the same blueprint opens it again, another is refused', async () => {
    const first = await open('web-shop', 'shared');
    expect(await first.redis.get('homeostat:{shared}:blueprint')).toBe('web-shop');
    const again = await open('web-shop', 'shared');
    await again.close();
    await expect(open('web-cluster-ha', 'shared')).rejects.toThrow(
      "Redis namespace 'shared' holds the knowledge of blueprint 'web-shop', not 'web-cluster-ha': two blueprints would read and write each other's policy state and logs. Give this one its own --redis-namespace, or, if the namespace is meant to move to 'web-cluster-ha', delete homeostat:{shared}:blueprint first",
    );
    // a namespace given up on purpose goes to the next blueprint
    await first.redis.del('homeostat:{shared}:blueprint');
    const moved = await open('web-cluster-ha', 'shared');
    await moved.close();
    await first.close();
  });

  it('names the key when it is not a string', async () => {
    const first = await open('web-shop', 'typed');
    await first.redis.del('homeostat:{typed}:blueprint');
    await first.redis.hset('homeostat:{typed}:blueprint', 'x', '1');
    await expect(open('web-shop', 'typed')).rejects.toThrow("cannot read which blueprint Redis namespace 'typed' belongs to (homeostat:{typed}:blueprint): WRONGTYPE");
    await first.close();
  });
});
