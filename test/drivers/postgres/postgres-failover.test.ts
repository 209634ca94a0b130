import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import type { TestPostgres } from '../../support/postgres-cluster.js';
import { deploy, waitUntil } from '../process/helpers.js';
import { acceptsWrite, pgChild, query, replicatedPostgres } from './helpers.js';

const servers: TestPostgres[] = [];
const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const s of servers.splice(0)) await s.dispose();
});

/** Probes every server every ~100 ms and records which take a write. */
function probeWritable(ports: number[]): { stop: () => Promise<number[][]> } {
  const samples: number[][] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const results = await Promise.all(ports.map((port) => acceptsWrite(port, 250)));
      samples.push(ports.filter((_p, i) => results[i]));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (performance.now() - started))));
    }
  })();
  return { stop: async () => ((running = false), await loop, samples) };
}

describe('failover of a real PostgreSQL group by the failover policy', () => {
  it('kill -9 of the primary: fenced (nothing listens), a standby promoted, the other repointed, one writable primary at every probe; the old primary rejoins with pg_rewind', async () => {
    const list = await replicatedPostgres(2);
    servers.push(...list);
    const [p, s1, s2] = list as [TestPostgres, TestPostgres, TestPostgres];
    const text = `name: pg\napplication:\n  id: app\n  children:\n    - id: pgs\n      type: postgres-replication-group\n      config: { every: 200ms }\n      children:\n${pgChild('p', p)}${pgChild('s1', s1)}${pgChild('s2', s2)}      policies:\n        - use: failover\n          config: { failureDelay: 1s, recoveryDelay: 2s, promoteTimeout: 10s, maxLag: 5 }\n`;
    const { deployment } = await deploy(text);
    deployments.push(deployment);
    const decisions: Decision[] = [];
    deployment.engine.decisions$.subscribe((d) => decisions.push(d));
    const db = (id: string) => deployment.tree.get(id);
    await query(p.port, 'INSERT INTO t SELECT generate_series(1, 50)');
    await waitUntil(() => db('pgs').sensor('primary').value === 'p' && db('s1').sensor('replication.lag').value === 0 && db('s2').sensor('replication.lag').value === 0, 10_000, 'p primary, standbys in sync');

    const probe = probeWritable([p.port, s1.port, s2.port]);
    await p.kill();
    const promoted = await waitUntil(() => ['s1', 's2'].find((id) => db(id).sensor('role').value === 'primary'), 20_000, 'a standby promoted');
    const [next, other] = promoted === 's1' ? [s1, s2] : [s2, s1];
    await waitUntil(() => acceptsWrite(next.port), 10_000, 'the new primary takes writes');
    await query(next.port, 'INSERT INTO t VALUES (51)');
    await waitUntil(async () => (await query<{ n: number }>(other.port, 'SELECT count(*)::int AS n FROM t'))?.[0]?.n === 51, 15_000, 'the other standby follows the new primary');
    // keep probing a while after the failover, so the new primary is seen taking writes alone
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const samples = await probe.stop();

    expect(db('p').sensor('role').value).toBe('fenced');
    expect(decisions.some((d) => d.outcome === 'applied' && d.actions.some((a) => a.effector === 'fence' && a.entity === 'p'))).toBe(true);
    expect(samples.length).toBeGreaterThan(5);
    expect(samples.every((s) => s.length <= 1)).toBe(true);
    expect(samples.some((s) => s.length === 1 && s[0] === next.port)).toBe(true);

    // failback's first step, by a person: the killed primary comes back as a standby of the new one
    await expect(deployment.engine.invoker.invoke(db('p'), 'rejoin', {}, { caller: { kind: 'person', name: 'test' } })).resolves.toMatchObject({ follows: `127.0.0.1:${next.port}` });
    await waitUntil(() => db('p').sensor('role').value === 'replica', 10_000, 'old primary a standby');
    await waitUntil(async () => (await query<{ n: number }>(p.port, 'SELECT count(*)::int AS n FROM t'))?.[0]?.n === 51, 10_000, 'old primary has the new data');
    expect(await acceptsWrite(p.port)).toBe(false);
  }, 60_000);
});
