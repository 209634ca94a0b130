// The last line of `homeostat run --redis` counts the decisions the run made. It used to read them back from
// the store after the store was closed, failed silently and said "stopped cleanly after 0 decisions".
// A real process and a real redis-server of the test's own (free port; never 6379).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { TestRedisServer } from '../support/redis-server.js';
import { repoRoot } from './built-command.js';
import { startCommand } from './command-process.js';

let redis: TestRedisServer;

beforeAll(async () => {
  redis = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  await redis.dispose();
});

describe('homeostat run --redis, its last line', () => {
  it('counts the decisions of the run: as many as it stored', async () => {
    const store = new RedisStore({ url: redis.url, namespace: 'counted' });
    await store.connect();
    try {
      const command = startCommand(path.join(repoRoot, 'bin/homeostat.js'), ['run', 'test/grafana/fixtures/observed.yaml', '--redis', redis.url, '--redis-namespace', 'counted', '--log-format', 'json'], { cwd: repoRoot });
      await command.lineOf('stdout', (line) => line.includes('"outcome":"applied"'), 60_000);
      command.child.kill('SIGTERM');
      expect(await command.ended(60_000)).toEqual({ code: 0, signal: null });
      const stored = await store.queryDecisions({ limit: 100_000 });
      expect(stored.length).toBeGreaterThan(0);
      const last = JSON.parse(command.stdout().trim().split('\n').at(-1) ?? '{}') as { msg?: string };
      expect(last.msg).toBe(`stopped cleanly after ${stored.length} ${stored.length === 1 ? 'decision' : 'decisions'}`);
    } finally {
      await store.close();
    }
  }, 90_000);
});
