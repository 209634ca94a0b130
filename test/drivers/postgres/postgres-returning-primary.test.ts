import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import type { TestPostgres } from '../../support/postgres-cluster.js';
import { deploy, waitUntil } from '../process/helpers.js';
import { acceptsWrite, pgChild, replicatedPostgres } from './helpers.js';

const servers: TestPostgres[] = [];
const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const s of servers.splice(0)) {
    await s.kill('SIGCONT');
    await s.dispose();
  }
});

describe('a PostgreSQL primary whose postmaster was stopped (SIGSTOP) and resumed after a best-effort failover', () => {
  it('is fenced on its first read as a primary: it no longer takes writes, and the late fence is recorded', async () => {
    const list = await replicatedPostgres(1);
    servers.push(...list);
    const [p, s1] = list as [TestPostgres, TestPostgres];
    const text = `name: pg\napplication:\n  id: app\n  children:\n    - id: pgs\n      type: postgres-replication-group\n      config: { every: 200ms, failureDelay: 1s }\n      children:\n${pgChild('p', p)}${pgChild('s1', s1)}      policies:\n        - use: failover\n          config: { failureDelay: 1s, recoveryDelay: 2s, promoteTimeout: 10s, maxLag: 5, fence: best-effort }\n`;
    const { deployment } = await deploy(text);
    deployments.push(deployment);
    const decisions: Decision[] = [];
    deployment.engine.decisions$.subscribe((d) => decisions.push(d));
    const db = (id: string) => deployment.tree.get(id);
    await waitUntil(() => db('pgs').sensor('primary').value === 'p' && db('s1').sensor('replication.lag').value === 0, 10_000, 'p primary, s1 in sync');

    // the postmaster hangs: no new connection is served, so the fence cannot reach it (best effort: promoted anyway)
    await p.kill('SIGSTOP');
    await waitUntil(() => db('s1').sensor('role').value === 'primary', 20_000, 's1 promoted although the fence failed');
    await waitUntil(() => acceptsWrite(s1.port), 10_000, 's1 takes writes');
    await p.kill('SIGCONT');
    await waitUntil(() => decisions.find((d) => d.policyName === 'late-fence'), 10_000, 'the late fence of p');
    await waitUntil(async () => !(await acceptsWrite(p.port, 1_000)), 10_000, 'p refuses writes');
    expect(db('p').sensor('role').value).toBe('fenced');
    expect(await acceptsWrite(s1.port)).toBe(true);
  }, 60_000);
});
