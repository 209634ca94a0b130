import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import type { TestRedisServer } from '../../support/redis-server.js';
import { deploy, waitUntil } from '../process/helpers.js';
import { acceptsWrite, once, probeWritable, redisChild, replicatedRedis } from './helpers.js';

const servers: TestRedisServer[] = [];
const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const s of servers.splice(0)) {
    s.resume();
    await s.dispose();
  }
});

describe('a paused Redis primary that comes back after a best-effort failover', () => {
  it('is fenced or made a replica of the new primary within a poll of answering again, never a second writable primary for longer', async () => {
    const list = await replicatedRedis(2);
    servers.push(...list);
    const children = list.map((s, i) => redisChild(`r${i + 1}`, s.port)).join('');
    const text = `name: r\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      config: { every: 100ms, failureDelay: 1s }\n      children:\n${children}      policies:\n        - use: failover\n          config: { failureDelay: 1s, recoveryDelay: 2s, promoteTimeout: 5s, maxLag: 5, fence: best-effort }\n`;
    const { deployment } = await deploy(text);
    deployments.push(deployment);
    const decisions: Decision[] = [];
    deployment.engine.decisions$.subscribe((d) => decisions.push(d));
    const db = (id: string) => deployment.tree.get(id);
    await waitUntil(() => db('cache').sensor('primary').value === 'r1' && db('r2').sensor('replication.lag').value === 0 && db('r3').sensor('replication.lag').value === 0, 5_000, 'r1 primary, replicas in sync');
    const [p1] = list as [TestRedisServer];

    p1.pause();
    const promoted = await waitUntil(() => ['r2', 'r3'].find((id) => db(id).sensor('role').value === 'primary'), 15_000, 'a replica promoted although the fence failed (best effort)');
    const next = list[promoted === 'r2' ? 1 : 2] as TestRedisServer;
    await waitUntil(() => acceptsWrite(next.port), 5_000, 'the new primary takes writes');
    expect(decisions.find((d) => d.outcome === 'applied')?.reason).toMatch(/best effort/);

    const probe = probeWritable(() => list.map((s) => s.port), 50);
    const resumedAt = performance.now();
    p1.resume();
    // the old primary answers again: within a few polls it must follow the new primary (or refuse writes)
    await waitUntil(async () => /role:slave/.test((await once(p1.port, (c) => c.info('replication'))) ?? ''), 5_000, 'the old primary a replica of the new one');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const samples = await probe.stop();
    const doubled = samples.filter((s) => s.writable.length > 1);
    // at most the one poll (100 ms) plus a probe's own time after it answers again
    expect(doubled.filter((s) => s.at > resumedAt + 600)).toEqual([]);
    expect(await acceptsWrite(p1.port)).toBe(false);
    expect(await acceptsWrite(next.port)).toBe(true);
    expect(db('cache').sensor('primaries.writable').value).toBe(1);
    // the late fence is stated in the decision stream
    expect(decisions.find((d) => d.policyName === 'late-fence')?.reason).toMatch(new RegExp(`r1 answers again as a primary while ${promoted}`));
  }, 60_000);
});
