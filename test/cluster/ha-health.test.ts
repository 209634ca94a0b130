// Leadership and lease health of `homeostat run --ha --port`: /health says the role, token and holder of the
// lease, /metrics carries homeostat_leader{shard}, renewal latency, takeovers and leases lost. Two real
// processes on a redis-server of the test's own; every wait is bounded and polls for a condition.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { TestRedisServer } from '../support/redis-server.js';

const root = path.resolve(import.meta.dirname, '../..');
let redis: TestRedisServer;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  redis = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis.dispose();
});

interface Health {
  instance: string;
  leases: { shard: string; role: string; token?: number; holder?: string }[];
}

async function instance(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', 'test/grafana/fixtures/observed.yaml', '--redis', redis.url, '--ha', '--port', String(port)], { cwd: root, stdio: 'ignore' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return { child, port };
}

async function health(port: number): Promise<Health> {
  return (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as Health;
}

/** The value of one sample in Prometheus' text format, or undefined when absent. */
async function sample(port: number, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
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

describe('homeostat run --ha: /health and lease metrics', () => {
  it('name the leader and its token on every instance, count renewals and takeovers, and follow a kill -9', async () => {
    const a = await instance();
    const b = await instance();
    const both = await until('both report one leader', 30_000, async () => {
      const [ha, hb] = await Promise.all([health(a.port), health(b.port)]);
      const roles = [ha.leases[0]?.role, hb.leases[0]?.role].sort();
      return roles[0] === 'leader' && roles[1] === 'standby' && ha.leases[0]?.holder === hb.leases[0]?.holder ? [ha, hb] : undefined;
    });
    const leaderIndex = both[0]?.leases[0]?.role === 'leader' ? 0 : 1;
    const leader = [a, b][leaderIndex] as { child: ChildProcess; port: number };
    const standby = [a, b][1 - leaderIndex] as { child: ChildProcess; port: number };
    const leaderHealth = both[leaderIndex] as Health;
    expect(leaderHealth.leases[0]).toMatchObject({ shard: 'root', role: 'leader', holder: leaderHealth.instance });
    expect(leaderHealth.leases[0]?.token).toBeGreaterThan(0);
    expect(await sample(leader.port, 'homeostat_leader{shard="root"}')).toBe(1);
    expect(await sample(standby.port, 'homeostat_leader{shard="root"}')).toBe(0);
    expect(await sample(leader.port, 'homeostat_lease_takeovers_total{shard="root"}')).toBe(1);
    expect(await sample(standby.port, 'homeostat_lease_takeovers_total{shard="root"}')).toBe(0);
    expect(await sample(leader.port, 'homeostat_lease_token{shard="root"}')).toBe(leaderHealth.leases[0]?.token);
    await until('renewals counted', 5_000, async () => ((await sample(leader.port, 'homeostat_lease_renewal_duration_seconds_count{shard="root"}')) ?? 0) > 2 || undefined);

    leader.child.kill('SIGKILL');
    const after = await until('the standby takes over', 10_000, async () => {
      const h = await health(standby.port);
      return h.leases[0]?.role === 'leader' ? h : undefined;
    });
    expect(after.leases[0]?.token).toBeGreaterThan(leaderHealth.leases[0]?.token ?? Infinity);
    expect(after.leases[0]?.holder).toBe(after.instance);
    expect(await sample(standby.port, 'homeostat_leader{shard="root"}')).toBe(1);
    expect(await sample(standby.port, 'homeostat_lease_takeovers_total{shard="root"}')).toBe(1);
    expect(await sample(standby.port, 'homeostat_lease_lost_total{shard="root"}')).toBe(0);

    // Redis stops answering: the leader stops acting on its own clock and counts a lease lost
    redis.pause();
    try {
      await until('the lease lost counted', 10_000, async () => ((await sample(standby.port, 'homeostat_lease_lost_total{shard="root"}')) === 1 ? true : undefined));
      expect(await sample(standby.port, 'homeostat_leader{shard="root"}')).toBe(0);
      expect((await health(standby.port)).leases[0]?.role).not.toBe('leader');
    } finally {
      redis.resume();
    }
    await until('it leads again', 10_000, async () => ((await health(standby.port)).leases[0]?.role === 'leader' ? true : undefined));
  }, 60_000);
});
