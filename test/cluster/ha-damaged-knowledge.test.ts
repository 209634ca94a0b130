// `homeostat run --ha` over knowledge damaged in Redis from outside, with real processes on a redis-server of
// the test's own: a standby that takes over skips a policy-state field it cannot read and acts (it used to
// hold the lease and never act, with /ready true); when it cannot read knowledge at all it says so in /ready
// and at error level, a few lines and not 4 a second, and gives the lease up. Every wait is bounded and
// polls for a condition; the processes are ended by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { freePort } from '../support/free-port.js';
import { TestRedisServer } from '../support/redis-server.js';

const root = path.resolve(import.meta.dirname, '../..');
let redis: TestRedisServer;
let store: RedisStore;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  redis = await TestRedisServer.start();
  store = new RedisStore({ url: redis.url, namespace: 'observed' });
  await store.connect();
}, 20_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await store.close();
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
  const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', 'test/grafana/fixtures/observed.yaml', '--redis', redis.url, '--ha', '--port', String(port)], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
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

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The pid of the instance holding the lease, and its token. */
async function holder(): Promise<{ pid: number; token: number } | undefined> {
  const value = await store.redis.get('homeostat:{observed}:lease:root');
  const match = value?.match(/:(\d+):[0-9a-f]+\|(\d+)$/);
  return match ? { pid: Number(match[1]), token: Number(match[2]) } : undefined;
}

async function ready(port: number): Promise<{ status: number; body: { ready: boolean; reason?: string; unreadableState?: string[] } }> {
  const response = await fetch(`http://127.0.0.1:${port}/ready`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; reason?: string; unreadableState?: string[] } };
}

/** Two instances, one leading and acting; returns the leader, the standby and the leader's token. */
async function pair(): Promise<{ leader: Instance; standby: Instance; token: number }> {
  // an instance of an earlier case still running (one that failed before its end) would hold the lease
  for (const child of children) child.kill('SIGKILL');
  await until('the earlier instances gone', 10_000, async () => (children.size === 0 ? true : undefined));
  await store.clear();
  const pool = [await instance(), await instance()];
  const held = await until('a leader', 60_000, holder);
  await until('both serving', 60_000, async () => ((await Promise.all(pool.map((p) => ready(p.port)))).every((r) => r.status === 200) ? true : undefined));
  await until('an action', 30_000, async () => ((await store.queryInvocations({ limit: 1 })).length > 0 ? true : undefined));
  const leader = pool.find((p) => p.child.pid === held.pid) as Instance;
  const standby = pool.find((p) => p !== leader) as Instance;
  return { leader, standby, token: held.token };
}

async function end(instance: Instance): Promise<void> {
  if (instance.child.exitCode !== null || instance.child.signalCode !== null) return;
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGKILL');
  await exited;
}

describe('homeostat run --ha over damaged knowledge', () => {
  it('a standby taking over skips a policy-state field that is not JSON, names it, and acts', async () => {
    const { leader, standby, token } = await pair();
    const policies = await store.redis.smembers(store.keys.policies);
    const damaged = policies.find((p) => p.endsWith('/autoscaler')) ?? (policies[0] as string);
    const key = store.keys.policyState(damaged);
    // the leader goes first: a state write of its own after the damage would replace the hash, junk and all;
    // the standby takes over only once the lease runs out, long after the field is in place
    await end(leader);
    await store.redis.hset(key, 'junk', '{bad');
    const acted = await until('the standby acts under a higher token', 30_000, async () => (await store.queryInvocations({ limit: 1_000 })).find((r: InvocationRecord) => (r.fencingToken ?? 0) > token && r.attempts > 0));
    expect(acted.fencingToken).toBeGreaterThan(token);
    const answer = await ready(standby.port);
    expect(answer.status).toBe(200);
    expect(answer.body.unreadableState).toEqual([expect.stringContaining(`policy state of ${damaged}, field junk (${key}) is not JSON`)]);
    expect(standby.lines.some((l) => l.level === 50 && l.msg.includes(`field junk (${key}) is not JSON`))).toBe(true);
    expect(await store.redis.hget(key, 'junk')).toBe('{bad');
    await end(standby);
  }, 180_000);

  it('a standby that cannot read knowledge at all says so in /ready and at error level, a few times, and gives the lease up', async () => {
    const { leader, standby } = await pair();
    await store.redis.del(store.keys.policies);
    await store.redis.set(store.keys.policies, 'not a set');
    await end(leader);
    const since = Date.now();
    const answer = await until('the standby is not ready', 30_000, async () => {
      const r = await ready(standby.port);
      return r.status === 503 && /could not read knowledge/.test(r.body.reason ?? '') ? r : undefined;
    });
    expect(answer.body.reason).toMatch(/WRONGTYPE/);
    expect(answer.body.reason).toContain(store.keys.policies);
    await until('the lease given up', 30_000, async () => (standby.lines.some((l) => l.level === 50 && /gave the lease up after 4 failed reads of knowledge/.test(l.msg)) ? true : undefined));
    // with the lease given up, another instance could take it: nobody holds it for a while
    await until('the lease free', 5_000, async () => ((await holder()) === undefined ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const errors = standby.lines.filter((l) => l.level >= 50 && l.time >= since && /knowledge/.test(l.msg));
    // it used to log 4 lines a second (at info level) for as long as it ran
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.length).toBeLessThanOrEqual(6);
    expect((await ready(standby.port)).status).toBe(503);
    await end(standby);
  }, 180_000);
});
