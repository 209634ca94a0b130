// Several `homeostat run --ha` processes on one real redis-server of the test's own: exactly one acts, under
// a fencing token; kill -9 and SIGSTOP of the leader hand the work over, and no stale leader acts again.
// Real processes and real time on purpose; every wait is bounded and polls for a condition.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
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

const standingBy = new Set<number>();

/** Starts an instance; `standingBy` learns its pid once it runs and competes for the lease. */
function instance(): ChildProcess {
  const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', 'test/grafana/fixtures/observed.yaml', '--redis', redis.url, '--ha'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  children.add(child);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (/is now (standby|leader)/.test(out) && child.pid !== undefined) standingBy.add(child.pid);
  });
  child.once('exit', () => children.delete(child));
  return child;
}

async function allStandingBy(pool: ChildProcess[]): Promise<void> {
  await until('every instance running', 30_000, async () => (pool.every((c) => standingBy.has(c.pid ?? -1)) ? true : undefined));
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The pid of the instance holding the lease, and its token. */
async function holder(): Promise<{ pid: number; token: number } | undefined> {
  const value = await store.redis.get('homeostat:{observed}:lease:root');
  const match = value?.match(/:(\d+):[0-9a-f]+\|(\d+)$/);
  return match ? { pid: Number(match[1]), token: Number(match[2]) } : undefined;
}

async function invocations(): Promise<InvocationRecord[]> {
  return store.queryInvocations({ limit: 1_000_000 });
}

/** Waits until an effector ran under a token above `above`, and returns that token's first record time. */
async function actedAbove(above: number, timeoutMs: number): Promise<InvocationRecord> {
  return until(`an action under a token above ${above}`, timeoutMs, async () => (await invocations()).filter((r) => (r.fencingToken ?? 0) > above).at(-1));
}

describe('homeostat run --ha', () => {
  it('one instance acts; after kill -9 or SIGSTOP of the leader another takes over within 3 s; no stale leader acts', async () => {
    const pool = [instance(), instance()];
    let leader = await until('a leader', 20_000, holder);
    await actedAbove(0, 20_000);
    const takeovers: number[] = [];
    for (let round = 0; round < 3; round++) {
      await allStandingBy(pool);
      const victim = pool.find((c) => c.pid === leader.pid);
      expect(victim).toBeDefined();
      const killedAt = performance.now();
      victim?.kill('SIGKILL');
      pool.splice(pool.indexOf(victim as ChildProcess), 1, instance());
      const next = await until('a new leader', 10_000, async () => {
        const now = await holder();
        return now && now.pid !== leader.pid ? now : undefined;
      });
      takeovers.push(performance.now() - killedAt);
      expect(next.token).toBeGreaterThan(leader.token);
      leader = next;
    }
    // the classic stale leader: paused past its lease, then resumed
    await allStandingBy(pool);
    const paused = pool.find((c) => c.pid === leader.pid) as ChildProcess;
    paused.kill('SIGSTOP');
    const stoppedLeader = leader;
    const next = await until('a leader other than the paused one', 10_000, async () => {
      const now = await holder();
      return now && now.pid !== stoppedLeader.pid ? now : undefined;
    });
    await actedAbove(next.token - 1, 20_000);
    paused.kill('SIGCONT');
    const resumedAt = Date.now();
    await actedAbove(next.token - 1, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // let the resumed process run its timers

    // what acted (an effector ran: attempts > 0); a leader whose lease lapsed records a refusal with 0 attempts
    const records = (await invocations()).filter((r) => r.attempts > 0);
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.fencingToken !== undefined)).toBe(true);
    // no action of an old token starts after the resumed, stale leader woke up
    const stale = records.filter((r) => (r.fencingToken ?? 0) <= stoppedLeader.token && r.at >= resumedAt);
    expect(stale).toEqual([]);
    // tokens never go back in time: ordered by start, every action's token is at least the one before
    const ordered = [...records].sort((a, b) => a.at - b.at);
    for (let i = 1; i < ordered.length; i++) expect(ordered[i]?.fencingToken ?? 0).toBeGreaterThanOrEqual(ordered[i - 1]?.fencingToken ?? 0);
    expect(Math.max(...takeovers)).toBeLessThan(3_000);
    console.log(`takeovers after kill -9 (ms): ${takeovers.map((t) => t.toFixed(0)).join(', ')}`);
    const codes: (number | null)[] = [];
    for (const child of pool) {
      if (child.exitCode !== null || child.signalCode !== null) {
        codes.push(child.exitCode);
        continue;
      }
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      codes.push(code);
    }
    expect(codes).toEqual([0, 0]);
  }, 120_000);
});
