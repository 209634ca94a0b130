// `homeostat run --redis` as a user runs it: two real service processes one after the other on a real
// redis-server of the test's own; the second sees the first one's decisions and policy state.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';
import { startRun, type CliRun } from '../support/cli-run.js';
import { TestRedisServer } from '../support/redis-server.js';

const blueprint = 'test/grafana/fixtures/observed.yaml';
let redis: TestRedisServer;

beforeAll(async () => {
  redis = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  await redis.dispose();
});

function run(args: string[]): CliRun {
  return startRun([blueprint, ...args]);
}

function stop(run: CliRun): Promise<number | null> {
  return run.stop();
}

describe('homeostat run --redis', () => {
  it('keeps decisions and policy state across a restart of the service', async () => {
    const store = new RedisStore({ url: redis.url, namespace: 'observed' });
    await store.connect();
    const first = run(['--redis', redis.url]);
    const firstRun = await until('decisions in Redis', 30_000, async () => {
      const decisions = await store.queryDecisions({ outcome: 'applied', limit: 1000 });
      return decisions.length >= 3 ? decisions : undefined;
    });
    expect(await stop(first)).toBe(0);
    const states = await store.loadPolicyStates();
    expect(states.size).toBeGreaterThan(0);

    const port = await freePort();
    const second = run(['--redis', redis.url, '--port', String(port)]);
    try {
      const seen = await until('the second run serving the first run\'s decisions', 30_000, async () => {
        const response = await fetch(`http://127.0.0.1:${port}/decisions?limit=1000`);
        if (!response.ok) return undefined;
        const body = (await response.json()) as { id: string }[] | { decisions: { id: string }[] };
        const list = Array.isArray(body) ? body : body.decisions;
        return list.some((d) => d.id === firstRun[0]?.id) ? list : undefined;
      });
      expect(seen.length).toBeGreaterThanOrEqual(firstRun.length);
    } finally {
      expect(await stop(second)).toBe(0);
      await store.close();
    }
  }, 90_000);

  it('serves the audit log of the run before a restart, secrets redacted, with seq going on', async () => {
    const namespace = 'observed-audit';
    const store = new RedisStore({ url: redis.url, namespace });
    await store.connect();
    const api = (port: number) => (route: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${route}`, init);
    const firstPort = await freePort();
    const first = run(['--redis', redis.url, '--redis-namespace', namespace, '--port', String(firstPort)]);
    let before: { seq: number; action: string; target: string; params?: unknown }[];
    try {
      const call = api(firstPort);
      const policy = await until('the first run serving its policies', 30_000, async () => {
        const response = await call('/policies');
        const list = response.ok ? ((await response.json()) as { id: string }[]) : [];
        return list.find((p) => p.id.endsWith('autoscaler'))?.id;
      });
      const suspended = await call(`/policies/${encodeURIComponent(policy)}/suspend`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'audit across a restart' }) });
      expect(suspended.status).toBe(200);
      // refused (not a config of the autoscaler) but audited, with the secret-looking key's value redacted
      await call(`/policies/${encodeURIComponent(policy)}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ config: { apiToken: 'hunter2-do-not-store' } }) });
      before = (await (await call('/audit?limit=1000')).json()) as typeof before;
      expect(before.map((e) => e.action)).toEqual(expect.arrayContaining(['suspend', 'config']));
    } finally {
      expect(await stop(first)).toBe(0);
    }
    const stored = await store.queryAudit({ limit: 10_000 });
    expect(stored.map((e) => e.seq)).toEqual(expect.arrayContaining(before.map((e) => e.seq)));
    expect(JSON.stringify(stored)).not.toContain('hunter2');

    const secondPort = await freePort();
    const second = run(['--redis', redis.url, '--redis-namespace', namespace, '--port', String(secondPort)]);
    try {
      const call = api(secondPort);
      const served = await until('the second run serving the first run\'s audit entries', 30_000, async () => {
        const response = await call('/audit?limit=10000');
        return response.ok ? ((await response.json()) as typeof before) : undefined;
      });
      const suspend = before.find((e) => e.action === 'suspend');
      expect(served.find((e) => e.seq === suspend?.seq)).toMatchObject({ action: 'suspend', params: { reason: 'audit across a restart' } });
      const newest = Math.max(...before.map((e) => e.seq));
      await call(`/policies/${encodeURIComponent(suspend?.target ?? '')}/resume`, { method: 'POST' });
      // the resumed autoscaler may act at once, and its action is audited too: find the resume among the newest
      const latest = (await (await call('/audit?limit=20')).json()) as typeof before;
      const resumed = latest.find((e) => e.action === 'resume');
      expect(resumed).toMatchObject({ action: 'resume', target: suspend?.target });
      expect(resumed?.seq).toBeGreaterThan(newest);
    } finally {
      expect(await stop(second)).toBe(0);
      await store.close();
    }
  }, 120_000);

  it('refuses to start, with one clear line, when Redis cannot be reached', async () => {
    const port = await freePort();
    const { child } = run(['--redis', `redis://127.0.0.1:${port}`]);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`cannot reach Redis at redis://127.0.0.1:${port}`));
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 30_000);
});
