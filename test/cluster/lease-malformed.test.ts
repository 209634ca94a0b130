// Lease keys in a shape homeostat never writes (set by hand or by another tool): a value that names no
// holder, a holder with no expiry, a counter that is not an integer, a key of another type. Each is named
// (`problem$`), healed where that cannot let two instances act, and a live holder is never displaced. Against
// a real redis-server of the test's own; real time (leases are timed on the process's monotonic clock and
// Redis' expiry), every wait bounded and polling for a condition.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisLease } from '../../src/cluster/lease.js';
import { openRedis } from '../../src/knowledge/redis/redis-connection.js';
import { TestRedisServer } from '../support/redis-server.js';

const TTL = 600;
let server: TestRedisServer;
let admin: Redis;
let namespaces = 0;
const clients: Redis[] = [];
const leases: RedisLease[] = [];

beforeAll(async () => {
  server = await TestRedisServer.start();
  admin = openRedis({ url: server.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
  await admin.connect();
}, 20_000);

afterEach(async () => {
  await Promise.all(leases.splice(0).map((lease) => lease.stop().catch(() => undefined)));
  for (const client of clients.splice(0)) client.disconnect();
});

afterAll(async () => {
  admin.disconnect();
  await server.dispose();
});

/** A lease of namespace `ns` and the problems it reports. */
async function lease(owner: string, ns: string): Promise<{ lease: RedisLease; problems: (string | undefined)[] }> {
  const client = openRedis({ url: server.url, commandTimeoutMs: 500, connectTimeoutMs: 1_000 });
  await client.connect();
  clients.push(client);
  const made = new RedisLease(client, { name: 'root', owner, namespace: ns, ttlMs: TTL });
  leases.push(made);
  const problems: (string | undefined)[] = [];
  made.problem$.subscribe((p) => problems.push(p));
  return { lease: made, problems };
}

async function until(what: string, timeoutMs: number, condition: () => boolean): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - started;
}

function keys(ns: string): { lease: string; counter: string } {
  return { lease: `homeostat:{${ns}}:lease:root`, counter: `homeostat:{${ns}}:lease-token` };
}

describe('RedisLease over malformed keys', () => {
  it('a value naming no holder, with no expiry: named, left as found for one lease time, then taken', async () => {
    const ns = `m${++namespaces}`;
    await admin.set(keys(ns).lease, 'garbage');
    const a = await lease('a', ns);
    const started = performance.now();
    a.lease.start();
    await until('the problem named', 6_000, () => a.problems.some((p) => p !== undefined));
    expect(a.problems.find((p) => p !== undefined)).toBe(`${keys(ns).lease} holds "garbage", which is not <owner>|<token> and had no expiry: given one lease time`);
    expect(a.lease.current).toMatchObject({ role: 'follower', reason: expect.stringContaining('malformed') });
    expect(await admin.get(keys(ns).lease)).toBe('garbage');
    expect(await admin.pttl(keys(ns).lease)).toBeGreaterThan(0);
    await until('a leads', 9_000, () => a.lease.actingToken() !== undefined);
    expect(performance.now() - started).toBeGreaterThanOrEqual(TTL - 50);
    expect(a.problems.at(-1)).toBeUndefined();
  }, 30_000);

  it('a holder with no expiry: the counter is raised past its token, and the lease taken after one lease time under a higher one', async () => {
    const ns = `m${++namespaces}`;
    const ghost = 9_000_000_000_000;
    await admin.set(keys(ns).lease, `ghost-host:1:abc|${ghost}`);
    const a = await lease('a', ns);
    a.lease.start();
    await until('the problem named', 6_000, () => a.problems.some((p) => p !== undefined));
    expect(a.problems.find((p) => p !== undefined)).toMatch(/names the holder "ghost-host:1:abc" \(token 9000000000000\) and had no expiry: given one lease time/);
    expect(a.lease.holder).toBe('ghost-host:1:abc');
    await until('a leads', 9_000, () => a.lease.actingToken() !== undefined);
    expect(a.lease.actingToken()).toBeGreaterThan(ghost);
  }, 30_000);

  it('a counter that is not an integer: taken as lost, one lease time waited out, token floored at the clock', async () => {
    const ns = `m${++namespaces}`;
    await admin.set(keys(ns).counter, 'notanumber');
    const a = await lease('a', ns);
    const before = Date.now();
    a.lease.start();
    await until('a holds the lease', 6_000, () => a.lease.current.role !== 'follower');
    expect(a.lease.current).toMatchObject({ role: 'waiting' });
    expect(a.problems.find((p) => p !== undefined)).toBe(`${keys(ns).counter} held "notanumber", not an integer: taken as lost (replaced, floored at the clock, one lease time waited out)`);
    await until('a leads', 9_000, () => a.lease.actingToken() !== undefined);
    expect(a.lease.actingToken()).toBeGreaterThanOrEqual(before - 1_000);
    expect(a.problems.at(-1)).toBeUndefined();
  }, 30_000);

  it('a counter past 15 digits is never replaced: nothing is taken, and it says why', async () => {
    const ns = `m${++namespaces}`;
    await admin.set(keys(ns).counter, '12345678901234567');
    const a = await lease('a', ns);
    a.lease.start();
    await until('the problem named', 6_000, () => a.problems.some((p) => p !== undefined));
    expect(a.problems.find((p) => p !== undefined)).toMatch(/past the 15 digits a token may have: not replaced/);
    await new Promise((resolve) => setTimeout(resolve, TTL * 2));
    expect(a.lease.current.role).toBe('follower');
    expect(await admin.get(keys(ns).counter)).toBe('12345678901234567');
  }, 30_000);

  it('a lease key of another type: named, then taken after one lease time', async () => {
    const ns = `m${++namespaces}`;
    await admin.hset(keys(ns).lease, 'x', '1');
    const a = await lease('a', ns);
    a.lease.start();
    await until('the problem named', 6_000, () => a.problems.some((p) => p !== undefined));
    expect(a.problems.find((p) => p !== undefined)).toBe(`${keys(ns).lease} is a hash, not a string naming a holder and had no expiry: given one lease time`);
    await until('a leads', 9_000, () => a.lease.actingToken() !== undefined);
  }, 30_000);

  it('never two acting: a live holder whose expiry was removed keeps its lease; one whose value was overwritten stops before anyone acts again', async () => {
    const ns = `m${++namespaces}`;
    const a = await lease('a', ns);
    const b = await lease('b', ns);
    a.lease.start();
    await until('a leads', 6_000, () => a.lease.actingToken() !== undefined);
    b.lease.start();
    let both = 0;
    const watch = setInterval(() => {
      if (a.lease.actingToken() !== undefined && b.lease.actingToken() !== undefined) both += 1;
    }, 2);
    try {
      await admin.persist(keys(ns).lease);
      await new Promise((resolve) => setTimeout(resolve, TTL * 3));
      expect(a.lease.actingToken()).toBeDefined();
      expect(b.lease.actingToken()).toBeUndefined();
      const first = Number(a.lease.actingToken());
      await admin.set(keys(ns).lease, 'garbage');
      // the holder whose value was overwritten stops; then one of the two (either may win the race for the
      // freed lease) acts again under a newer token, never while the other acts
      await until('a stops acting', 15_000, () => a.lease.actingToken() === undefined);
      await until('one acts under a newer token', 15_000, () => [a, b].some((x) => Number(x.lease.actingToken() ?? 0) > first));
    } finally {
      clearInterval(watch);
    }
    expect(both).toBe(0);
  }, 45_000);
});
