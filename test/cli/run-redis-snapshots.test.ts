// The readings a stopped service knew, as the next one shows them: `homeostat run --redis` on a real
// redis-server of the test's own, a pushed reading, a stop, and a second run that has had no reading yet.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';
import { startRun, type CliRun } from '../support/cli-run.js';
import { TestRedisServer } from '../support/redis-server.js';

let redis: TestRedisServer;
let dir: string;
let blueprint: string;

beforeAll(async () => {
  redis = await TestRedisServer.start();
  dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-snapshots-'));
  blueprint = path.join(dir, 'queue.yaml');
  await writeFile(blueprint, ['name: queue', 'application:', '  id: app', '  children:', '    - id: worker', '      type: entity', '      sensors:', '        - { name: backlog, pushable: true }', '        - { name: paused, type: boolean, pushable: true }', ''].join('\n'));
}, 20_000);

afterAll(async () => {
  await redis.dispose();
  await rm(dir, { recursive: true, force: true });
});

function run(port: number, extra: string[] = []): CliRun {
  return startRun([blueprint, '--redis', redis.url, '--port', String(port), ...extra]);
}

function stop(run: CliRun): Promise<number | null> {
  return run.stop();
}

interface SensorView { name: string; value: unknown; at: number | null; stored: { value: unknown; at: number } | null }

async function sensorsOf(port: number): Promise<SensorView[] | undefined> {
  const response = await fetch(`http://127.0.0.1:${port}/entities/worker`);
  return response.ok ? ((await response.json()) as { sensors: SensorView[] }).sensors : undefined;
}

describe('homeostat run --redis: stored sensor snapshots', () => {
  it('shows a restarted service the readings the last one knew, as stored and not as current, until a new reading', async () => {
    const firstPort = await freePort();
    const first = run(firstPort);
    let pushedAt: number;
    try {
      await until('the first run serving', 30_000, () => sensorsOf(firstPort));
      const pushed = await fetch(`http://127.0.0.1:${firstPort}/entities/worker/sensors/backlog`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: 42 }) });
      expect(pushed.status).toBeLessThan(300);
      const seen = await until('the pushed reading', 10_000, async () => (await sensorsOf(firstPort))?.find((s) => s.name === 'backlog' && s.value === 42));
      expect(seen.stored).toBeNull();
      pushedAt = seen.at as number;
    } finally {
      expect(await stop(first)).toBe(0);
    }

    const secondPort = await freePort();
    const second = run(secondPort);
    try {
      const sensors = await until('the second run serving', 30_000, () => sensorsOf(secondPort));
      const backlog = sensors.find((s) => s.name === 'backlog');
      expect(backlog).toMatchObject({ value: null, at: null, stored: { value: 42, at: pushedAt } });
      // a sensor that never had a reading has nothing stored
      expect(sensors.find((s) => s.name === 'paused')?.stored).toBeNull();
      // a new reading is the current one, and the stored one is no longer shown
      await fetch(`http://127.0.0.1:${secondPort}/entities/worker/sensors/backlog`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: 7 }) });
      const fresh = await until('the new reading', 10_000, async () => (await sensorsOf(secondPort))?.find((s) => s.name === 'backlog' && s.value === 7));
      expect(fresh.stored).toBeNull();
    } finally {
      expect(await stop(second)).toBe(0);
    }
  }, 90_000);

  it('writes them under the lease with --ha, before the lease is given up (after it, a write is not made)', async () => {
    const ha = ['--ha', '--redis-namespace', 'queue-ha'];
    const firstPort = await freePort();
    const first = run(firstPort, ha);
    try {
      await until('the first run leading', 30_000, async () => ((await (await fetch(`http://127.0.0.1:${firstPort}/health`)).json()) as { leases?: { role: string }[] }).leases?.[0]?.role === 'leader' || undefined);
      await fetch(`http://127.0.0.1:${firstPort}/entities/worker/sensors/backlog`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: 9 }) });
      await until('the pushed reading', 10_000, async () => (await sensorsOf(firstPort))?.find((s) => s.name === 'backlog' && s.value === 9));
    } finally {
      expect(await stop(first)).toBe(0);
    }
    const secondPort = await freePort();
    const second = run(secondPort, ha);
    try {
      const backlog = await until('the second run serving', 30_000, async () => (await sensorsOf(secondPort))?.find((s) => s.name === 'backlog'));
      expect(backlog).toMatchObject({ value: null, stored: { value: 9 } });
    } finally {
      expect(await stop(second)).toBe(0);
    }
  }, 90_000);

  it('answers with the live view and logs it when a stored snapshot is damaged', async () => {
    const store = new RedisStore({ url: redis.url, namespace: 'queue' });
    await store.connect();
    const port = await freePort();
    const child = run(port);
    try {
      await until('the run serving', 30_000, () => sensorsOf(port));
      await store.redis.hset(store.keys.snapshots, 'worker\u0000paused', '{not json');
      for (let i = 0; i < 3; i++) {
        const sensors = (await sensorsOf(port)) as SensorView[];
        expect(sensors.find((s) => s.name === 'paused')).toMatchObject({ value: null, stored: null });
      }
      // the API's warning reaches the run's log (tagged as the API's), once however often the entity is asked for
      const warning = /"component":"api".*stored snapshot of worker\/paused skipped: it is not JSON/;
      await until('the warning', 10_000, async () => (warning.test(child.output()) ? true : undefined));
      expect(child.output().split('\n').filter((line) => warning.test(line))).toHaveLength(1);
    } finally {
      expect(await stop(child)).toBe(0);
      await store.close();
    }
  }, 90_000);
});
