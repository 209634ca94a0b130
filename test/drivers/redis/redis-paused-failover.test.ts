import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import type { TestRedisServer } from '../../support/redis-server.js';
import { deploy, stateDir, waitUntil } from '../process/helpers.js';
import { acceptsWrite, probeWritable, redisChild, replicatedRedis } from './helpers.js';

const servers: TestRedisServer[] = [];
const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const s of servers.splice(0)) {
    s.resume();
    await s.dispose();
  }
});

const FAILURE_DELAY_MS = 1_000;

/**
 * Three servers under the failover policy; `stonith` gives each a fence command that kills its process.
 * Without one, the policy's retry comes a minute after a failed attempt: a retry that came after SIGCONT would
 * fence the reachable old primary and fail over properly (one primary, a test of something else), which on a
 * loaded machine raced the resumed primary's first answers.
 */
async function failoverGroup(stonith: boolean) {
  const list = await replicatedRedis(2);
  servers.push(...list);
  const dir = stateDir();
  const children = list.map((s, i) => redisChild(`r${i + 1}`, s.port, stonith ? `, fence: { command: [kill, '-KILL', '${s.pid}'] }` : '')).join('');
  const text = `name: r\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      config: { addressFile: ${JSON.stringify(path.join(dir, 'primary.address'))}, every: 100ms, failureDelay: ${FAILURE_DELAY_MS}ms }\n      children:\n${children}      policies:\n        - use: failover\n          config: { failureDelay: ${FAILURE_DELAY_MS}ms, recoveryDelay: 2s, promoteTimeout: 5s, maxLag: 5, retryInterval: ${stonith ? '2s' : '60s'} }\n`;
  const { deployment } = await deploy(text, dir);
  deployments.push(deployment);
  const decisions: Decision[] = [];
  deployment.engine.decisions$.subscribe((d) => decisions.push(d));
  const cache = deployment.tree.get('cache');
  const [p1] = list as [TestRedisServer];
  await waitUntil(() => cache.sensor('primary').value === 'r1' && deployment.tree.get('r2').sensor('replication.lag').value === 0 && deployment.tree.get('r3').sensor('replication.lag').value === 0, 5_000, 'r1 primary, replicas in sync');
  // the address as published, starting with the current one
  const published: Array<{ at: number; value: string }> = [{ at: performance.now(), value: cache.sensor<string>('primary.address').value ?? '' }];
  cache.sensor<string>('primary.address').readings$.subscribe((r) => published.push({ at: performance.now(), value: r.value }));

  return { list, deployment, decisions, cache, p1, published };
}

describe('failover of a paused (SIGSTOP) Redis primary', () => {
  it('with a fence command: fenced and replaced within the failure delay plus a poll timeout and the fence, the address held until then, one writable primary at every probe', async () => {
    const { list, deployment, decisions, p1, published } = await failoverGroup(true);
    const probe = probeWritable(() => list.map((s) => s.port), 50);
    const pausedAt = performance.now();
    p1.pause();
    const promoted = await waitUntil(() => ['r2', 'r3'].find((id) => deployment.tree.get(id).sensor('role').value === 'primary'), 15_000, 'a replica promoted');
    const port = list[promoted === 'r2' ? 1 : 2]?.port as number;
    await waitUntil(() => acceptsWrite(port), 5_000, 'the new primary takes writes');
    const writableAfterMs = performance.now() - pausedAt;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const samples = await probe.stop();

    expect(deployment.tree.get('r1').sensor('role').value).toBe('fenced');
    const applied = decisions.filter((d) => d.outcome === 'applied');
    expect(applied.length).toBeGreaterThan(0);
    expect(decisions.filter((d) => d.outcome === 'failed')).toEqual([]);
    // detection (1 s) + the first failed poll (at most 100 ms + 300 ms) + the fence (one 300 ms timeout and
    // the kill) + the promotion; generous for a loaded machine, far below a retry
    expect(writableAfterMs).toBeGreaterThan(FAILURE_DELAY_MS);
    expect(writableAfterMs).toBeLessThan(FAILURE_DELAY_MS + 6_000);
    // the address went from the old primary to the new one, held through the failed polls until the failure
    // delay had passed (then the fence empties it until the promotion)
    expect(published[0]?.value).toBe(`127.0.0.1:${p1.port}`);
    expect(published.at(-1)?.value).toBe(`127.0.0.1:${port}`);
    expect(published.filter((p) => p.value !== '' && p.value !== `127.0.0.1:${p1.port}` && p.value !== `127.0.0.1:${port}`)).toEqual([]);
    expect(published.filter((p) => p.value === '' && p.at < pausedAt + FAILURE_DELAY_MS)).toEqual([]);
    expect(samples.every((s) => s.writable.length <= 1)).toBe(true);
    // the paused process was killed by the fence command
    await waitUntil(() => { try { process.kill(p1.pid as number, 0); return false; } catch { return true; } }, 5_000, 'the old primary killed');
  });

  it('without a fence command: the fence fails in bounded time, nothing is promoted, and the primary serves again after SIGCONT', async () => {
    const { deployment, decisions, cache, p1 } = await failoverGroup(false);
    p1.pause();
    const failed = await waitUntil(() => decisions.find((d) => d.outcome === 'failed'), 10_000, 'the failover attempt failed');
    expect(failed.error?.code ?? failed.detail ?? '').toMatch(/E_FENCE_FAILED|fence/);
    expect(['r2', 'r3'].map((id) => deployment.tree.get(id).sensor('role').value)).toEqual(['replica', 'replica']);
    p1.resume();
    await waitUntil(() => deployment.tree.get('r1').sensor('service.up').value === true && cache.sensor('primary.writable').value === true, 5_000, 'r1 answers again');
    expect(cache.sensor('primary.address').value).toBe(`127.0.0.1:${p1.port}`);
    expect(await acceptsWrite(p1.port)).toBe(true);
  });
});
