import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import { addressFileText } from '../../support/address-file.js';
import type { TestRedisServer } from '../../support/redis-server.js';
import { deploy, stateDir, waitUntil } from '../process/helpers.js';
import { redisChild, replicatedRedis } from './helpers.js';

const servers: TestRedisServer[] = [];
const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const s of servers.splice(0)) {
    s.resume();
    await s.dispose();
  }
});

const FAILURE_DELAY_MS = 1_500;

async function group() {
  const list = await replicatedRedis(1);
  servers.push(...list);
  const dir = stateDir();
  const addressFile = path.join(dir, 'primary.address');
  const children = list.map((s, i) => redisChild(`r${i + 1}`, s.port, ', fence: { rejoin: false }')).join('');
  const text = `name: r\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      config: { addressFile: ${JSON.stringify(addressFile)}, every: 100ms, failureDelay: ${FAILURE_DELAY_MS}ms }\n      children:\n${children}`;
  const { deployment } = await deploy(text, dir);
  deployments.push(deployment);
  const [primary] = list as [TestRedisServer];
  const cache = deployment.tree.get('cache');
  const r1 = deployment.tree.get('r1');
  const address = `127.0.0.1:${primary.port}`;
  await waitUntil(() => cache.sensor('primary.address').value === address && addressFileText(addressFile) === `${address}\n`, 5_000, 'the primary published');
  // every value the group publishes for the address, with when
  const published: Array<{ at: number; value: string }> = [];
  cache.sensor<string>('primary.address').readings$.subscribe((r) => published.push({ at: performance.now(), value: r.value }));
  return { deployment, primary, cache, r1, address, addressFile, published };
}

describe('redis-replication-group keeps the primary address through failed polls', () => {
  it('a primary that misses polls for less than failureDelay stays published (sensor and file) and the group says it is not writable meanwhile', async () => {
    const { primary, cache, r1, address, addressFile, published } = await group();
    primary.pause();
    try {
      await waitUntil(() => r1.sensor('service.up').value === false, 5_000, 'a poll of the paused primary failed');
      expect(cache.sensor('primary.writable').value).toBe(false);
      // several more 100 ms polls fail (300 ms timeout each), still well inside failureDelay
      const fileSeen: string[] = [];
      const until = performance.now() + 700;
      while (performance.now() < until) {
        fileSeen.push(addressFileText(addressFile));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(new Set(fileSeen)).toEqual(new Set([`${address}\n`]));
      expect(cache.sensor('primary.address').value).toBe(address);
      expect(cache.sensor('primary').value).toBe('r1');
    } finally {
      primary.resume();
    }
    await waitUntil(() => r1.sensor('service.up').value === true && cache.sensor('primary.writable').value === true, 5_000, 'the primary answers again');
    expect(published.filter((p) => p.value !== address)).toEqual([]);
  });

  it('a primary that stays unreachable is judged failed after failureDelay, not before, and published again once it answers', async () => {
    const { primary, cache, address, published } = await group();
    const pausedAt = performance.now();
    primary.pause();
    try {
      const emptied = await waitUntil(() => published.find((p) => p.value === ''), 10_000, 'the address emptied');
      expect(emptied.at - pausedAt).toBeGreaterThanOrEqual(FAILURE_DELAY_MS);
      expect(emptied.at - pausedAt).toBeLessThan(FAILURE_DELAY_MS + 3_000);
      expect(cache.sensor('primary').value).toBe('');
    } finally {
      primary.resume();
    }
    await waitUntil(() => cache.sensor('primary.address').value === address, 5_000, 'published again');
  });

  it('a fenced primary is dropped at once: the fence is the judgement', async () => {
    const { deployment, cache, r1, addressFile } = await group();
    await deployment.engine.invoker.invoke(r1, 'fence', {}, { caller: { kind: 'person', name: 'test' } });
    expect(cache.sensor('primary.address').value).toBe('');
    expect(cache.sensor('primary').value).toBe('');
    await waitUntil(() => addressFileText(addressFile) === '\n', 2_000, 'the file emptied');
  });
});
