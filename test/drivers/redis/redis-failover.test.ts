import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import type { TestRedisServer } from '../../support/redis-server.js';
import { deploy, stateDir, waitUntil } from '../process/helpers.js';
import { acceptsWrite, once, probeWritable, redisChild, replicatedRedis } from './helpers.js';

const servers: TestRedisServer[] = [];
const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const s of servers.splice(0)) await s.dispose();
});

describe('failover of a real Redis group by the failover policy', () => {
  it('kill -9 of the primary: the policy fences it and promotes a replica, the other replica follows, one writable primary at every probe, and the old primary rejoins as a replica', async () => {
    const list = await replicatedRedis(2);
    servers.push(...list);
    const [p1, p2, p3] = list as [TestRedisServer, TestRedisServer, TestRedisServer];
    const dir = stateDir();
    const addressFile = path.join(dir, 'primary.address');
    const children = list.map((s, i) => redisChild(`r${i + 1}`, s.port)).join('');
    const text = `name: r\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      config: { addressFile: ${JSON.stringify(addressFile)}, every: 200ms }\n      children:\n${children}      policies:\n        - use: failover\n          config: { failureDelay: 1s, recoveryDelay: 2s, promoteTimeout: 5s, maxLag: 5 }\n`;
    const { deployment } = await deploy(text, dir);
    deployments.push(deployment);
    const decisions: Decision[] = [];
    deployment.engine.decisions$.subscribe((d) => decisions.push(d));
    const cache = deployment.tree.get('cache');
    await waitUntil(() => cache.sensor('primary').value === 'r1' && deployment.tree.get('r2').sensor('replication.lag').value === 0 && deployment.tree.get('r3').sensor('replication.lag').value === 0, 5_000, 'r1 primary, replicas in sync');
    for (let i = 0; i < 50; i++) await once(p1.port, (c) => c.set(`key:${i}`, String(i)));
    await waitUntil(async () => (await once(p2.port, (c) => c.get('key:49'))) === '49' && (await once(p3.port, (c) => c.get('key:49'))) === '49', 5_000, 'writes replicated');

    const probe = probeWritable(() => [p1.port, p2.port, p3.port]);
    const killedAt = performance.now();
    await p1.stop(); // SIGKILL
    const promoted = await waitUntil(() => ['r2', 'r3'].find((id) => deployment.tree.get(id).sensor('role').value === 'primary'), 15_000, 'a replica promoted');
    const port = promoted === 'r2' ? p2.port : p3.port;
    await waitUntil(() => acceptsWrite(port), 5_000, 'the new primary takes writes');
    const writableAfterMs = performance.now() - killedAt;
    const other = promoted === 'r2' ? 'r3' : 'r2';
    await waitUntil(() => deployment.tree.get(other).sensor('replication.source').value === `127.0.0.1:${port}`, 5_000, 'the other replica repointed');
    await waitUntil(() => readFileSync(addressFile, 'utf8') === `127.0.0.1:${port}\n`, 5_000, 'address file follows');
    expect(await once(port, (c) => c.get('key:49'))).toBe('49');
    // keep probing a while after the failover, so the new primary is seen taking writes alone
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const samples = await probe.stop();

    expect(deployment.tree.get('r1').sensor('role').value).toBe('fenced');
    expect(decisions.some((d) => d.outcome === 'applied' && d.actions.some((a) => a.effector === 'fence' && a.entity === 'r1'))).toBe(true);
    // the failure delay (1 s) plus polls and the promotion: well under the 15 s bound above
    expect(writableAfterMs).toBeGreaterThan(1_000);
    expect(samples.length).toBeGreaterThan(5);
    expect(samples.every((s) => s.writable.length <= 1)).toBe(true);
    expect(samples.some((s) => s.writable.length === 1 && s.writable[0] === port)).toBe(true);

    // the old primary comes back empty, as a primary: fenced at once and rejoined as a replica with the data
    await p1.restart();
    await waitUntil(() => deployment.tree.get('r1').sensor('role').value === 'replica' && deployment.tree.get('r1').sensor('replication.source').value === `127.0.0.1:${port}`, 10_000, 'old primary rejoined');
    await waitUntil(async () => (await once(p1.port, (c) => c.get('key:49'))) === '49', 10_000, 'old primary resynced');
    expect(await acceptsWrite(p1.port)).toBe(false);
  });
});
