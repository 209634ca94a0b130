import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import type { TestRedisServer } from '../../support/redis-server.js';
import { deploy, waitUntil } from '../process/helpers.js';
import { acceptsWrite, once, redisChild, replicatedRedis } from './helpers.js';

const servers: TestRedisServer[] = [];
const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const s of servers.splice(0)) await s.dispose();
});

describe('a replica promoted beside the failover policy (by Sentinel, Patroni or a person)', () => {
  it('two writable primaries are stated by a refused decision naming both, within a few polls, and nothing is fenced', async () => {
    const list = await replicatedRedis(2);
    servers.push(...list);
    const [p1, p2] = list as [TestRedisServer, TestRedisServer];
    const children = list.map((s, i) => redisChild(`r${i + 1}`, s.port)).join('');
    const text = `name: r\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      config: { every: 100ms, failureDelay: 1s }\n      children:\n${children}      policies:\n        - use: failover\n          config: { failureDelay: 1s, recoveryDelay: 2s, promoteTimeout: 5s, maxLag: 5 }\n`;
    const { deployment } = await deploy(text);
    deployments.push(deployment);
    const decisions: Decision[] = [];
    deployment.engine.decisions$.subscribe((d) => decisions.push(d));
    const db = (id: string) => deployment.tree.get(id);
    await waitUntil(() => db('cache').sensor('primary').value === 'r1' && db('r2').sensor('role').value === 'replica', 5_000, 'r1 primary');

    // what Sentinel does when it fails over: REPLICAOF NO ONE on a replica, through its own port
    await once(p2.port, (c) => c.call('REPLICAOF', 'NO', 'ONE'), 2_000);
    expect(await acceptsWrite(p1.port)).toBe(true);
    expect(await acceptsWrite(p2.port)).toBe(true);
    const stated = await waitUntil(() => decisions.find((d) => d.symptom.kind === 'split-brain'), 3_000, 'a decision about the two primaries');
    expect(stated.outcome).toBe('refused');
    expect(stated.reason).toMatch(new RegExp(`r1 \\(127\\.0\\.0\\.1:${p1.port}\\) and r2 \\(127\\.0\\.0\\.1:${p2.port}\\) all report themselves primary`));
    expect(stated.actions).toEqual([]);
    expect(db('cache').sensor('primaries.writable').value).toBe(2);
    expect(decisions.filter((d) => d.symptom.kind === 'split-brain')).toHaveLength(1);
  }, 30_000);
});
