// `homeostat run --ha --shards` over knowledge damaged in Redis from outside, with real processes on a
// redis-server of the test's own: an instance that takes a dead instance's shards and cannot read knowledge
// says so in /ready (503, naming each shard and why) and at error level, a few lines and not one per tick,
// and gives each shard's lease up. It used to retry silently at every tick, answer ready, and hold the leases
// so that nobody acted in those subtrees. Every wait is bounded and polls for a condition; the processes are
// ended by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { FencedTarget } from '../support/fenced-target.js';
import { freePort } from '../support/free-port.js';
import { TestRedisServer } from '../support/redis-server.js';
import { tickerBlueprint, until } from './ha-target.js';

const root = path.resolve(import.meta.dirname, '../..');
const SHARDS = ['app', 's1', 's2'];
let redis: TestRedisServer;
let target: FencedTarget;
let store: RedisStore;
let blueprint: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  redis = await TestRedisServer.start();
  target = await FencedTarget.start();
  blueprint = await tickerBlueprint(target.port, 100, SHARDS.length - 1);
  store = new RedisStore({ url: redis.url, namespace: 'fenced' });
  await store.connect();
}, 20_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await store.close();
  await target.close();
  await redis.dispose();
});

interface Instance {
  readonly child: ChildProcess;
  readonly port: number;
  /** Its log lines so far, parsed. */
  readonly lines: { level: number; msg: string; time: number }[];
}

async function instance(): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', blueprint, '--redis', redis.url, '--ha', '--shards', '--lease', '1000', '--port', String(port)], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines: Instance['lines'] = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      try {
        lines.push(JSON.parse(line) as Instance['lines'][number]);
      } catch {
        // not a log line
      }
    }
  });
  return { child, port, lines };
}

/** The shards an instance leads, or undefined when it does not answer. */
async function leading(one: Instance): Promise<string[] | undefined> {
  const body = (await (await fetch(`http://127.0.0.1:${one.port}/health`, { signal: AbortSignal.timeout(1_000) })).json()) as { leases: { shard: string; role: string }[] };
  return body.leases.filter((l) => l.role === 'leader').map((l) => l.shard);
}

async function ready(port: number): Promise<{ status: number; body: { ready: boolean; reason?: string } }> {
  const response = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(1_000) });
  return { status: response.status, body: (await response.json()) as { ready: boolean; reason?: string } };
}

describe('homeostat run --ha --shards over damaged knowledge', () => {
  it('an instance taking shards whose knowledge it cannot read says so in /ready and at error level, a few times, and gives them up', async () => {
    const pool = [await instance(), await instance()];
    // process start alone takes 30 s and more on a loaded 2-core machine: the bound is on the start
    const held = await until('the shards shared out between both', 120_000, async () => {
      const each = await Promise.all(pool.map(leading));
      return each.every((h) => h !== undefined && h.length > 0) && each.flat().length === SHARDS.length ? each : undefined;
    });
    const [victim, survivor] = (held[0]?.length ?? 0) >= (held[1]?.length ?? 0) ? [pool[0], pool[1]] : [pool[1], pool[0]];
    if (!victim || !survivor) throw new Error('two instances expected');
    const moving = held[pool.indexOf(victim)] ?? [];
    await until('the survivor ready', 10_000, async () => ((await ready(survivor.port)).status === 200 ? true : undefined));

    // the set of policies with state becomes unreadable; the victim dies, and the survivor takes its shards
    await store.redis.del(store.keys.policies);
    await store.redis.set(store.keys.policies, 'not a set');
    const since = Date.now();
    victim.child.kill('SIGKILL');
    const answer = await until('the survivor not ready, naming the shards it took', 30_000, async () => {
      const r = await ready(survivor.port);
      return r.status === 503 && moving.every((s) => (r.body.reason ?? '').includes(`shard ${s}:`)) ? r : undefined;
    });
    for (const shard of moving) expect(answer.body.reason).toMatch(new RegExp(`shard ${shard}: [^;]*could not read knowledge[^;]*WRONGTYPE`));
    expect(answer.body.reason).toContain(store.keys.policies);
    await until('the shards given up', 30_000, async () => (moving.every((s) => survivor.lines.some((l) => l.level === 50 && l.msg.includes(`cannot act for shard ${s}: gave the lease up after 4 failed reads of knowledge`))) ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    for (const shard of moving) {
      const errors = survivor.lines.filter((l) => l.level >= 50 && l.time >= since && l.msg.includes(`cannot act for shard ${shard}:`));
      // it used to say nothing, and read again 4 times a second for as long as it ran
      expect(errors.length, `error lines about shard ${shard}`).toBeGreaterThanOrEqual(2);
      expect(errors.length, `error lines about shard ${shard}`).toBeLessThanOrEqual(8);
    }
    expect((await ready(survivor.port)).status).toBe(503);
    expect(target.duplicates()).toEqual([]);
    expect(target.regressions()).toEqual([]);
  }, 240_000);
});
