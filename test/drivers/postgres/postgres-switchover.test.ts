import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Entity } from '../../../src/core/entity.js';
import type { TestPostgres } from '../../support/postgres-cluster.js';
import { deploy, stateDir, waitUntil } from '../process/helpers.js';
import { acceptsWrite, pgChild, query, replicatedPostgres } from './helpers.js';

const servers: TestPostgres[] = [];
const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const s of servers.splice(0)) await s.dispose();
});

const role = (e: Entity): string | undefined => e.sensor<string>('role').current?.value;

/** Tries a write on every server every 100 ms until stopped; returns the ports that took it, per probe. */
function probe(ports: number[]): { stop: () => Promise<number[][]> } {
  const samples: number[][] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const ok = await Promise.all(ports.map((p) => acceptsWrite(p, 250)));
      samples.push(ports.filter((_p, i) => ok[i]));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return { stop: async () => ((running = false), await loop, samples) };
}

describe('switchover of a real PostgreSQL group (planned, through the group effector)', () => {
  it('fences the primary, promotes the named standby with every committed row, rejoins the old primary as its standby; one writable primary at every probe', async () => {
    const list = await replicatedPostgres(2);
    servers.push(...list);
    const [p, s1, s2] = list as [TestPostgres, TestPostgres, TestPostgres];
    const dir = stateDir();
    const addressFile = path.join(dir, 'primary.address');
    const { deployment } = await deploy(`name: pg\napplication:\n  id: app\n  children:\n    - id: pgs\n      type: postgres-replication-group\n      config: { addressFile: ${JSON.stringify(addressFile)}, every: 200ms }\n      children:\n${pgChild('p', p)}${pgChild('s1', s1)}${pgChild('s2', s2)}`, dir);
    deployments.push(deployment);
    const db = (id: string): Entity => deployment.tree.get(id);
    const invoke = (id: string, effector: string, params: unknown = {}) => deployment.engine.invoker.invoke(db(id), effector, params, { caller: { kind: 'person', name: 'test' } });
    await waitUntil(() => role(db('p')) === 'primary' && role(db('s1')) === 'replica' && role(db('s2')) === 'replica' && db('s1').sensor('replication.lag').value === 0, 15_000, 'roles');

    await query(p.port, 'INSERT INTO t SELECT generate_series(1, 500)');
    const probing = probe([p.port, s1.port, s2.port]);
    await expect(invoke('pgs', 'switchover', { to: 's1' })).resolves.toMatchObject({ from: 'p', to: 's1', oldPrimary: 'rejoined as a replica' });
    expect(role(db('s1'))).toBe('primary');
    expect((await query<{ n: number }>(s1.port, 'SELECT count(*)::int AS n FROM t'))?.[0]?.n).toBe(500);
    await waitUntil(() => role(db('p')) === 'replica', 15_000, 'old primary a standby');
    await waitUntil(() => db('s2').sensor('replication.source').value === `127.0.0.1:${s1.port}`, 15_000, 's2 repointed to s1');
    await waitUntil(() => readFileSync(addressFile, 'utf8') === `127.0.0.1:${s1.port}\n`, 5_000, 'address file follows');
    await query(s1.port, 'INSERT INTO t VALUES (501)');
    await waitUntil(async () => (await query<{ n: number }>(p.port, 'SELECT count(*)::int AS n FROM t'))?.[0]?.n === 501, 10_000, 'the old primary follows s1');
    const samples = await probing.stop();
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.filter((s) => s.length > 1)).toEqual([]);
    expect(await acceptsWrite(p.port)).toBe(false);
  }, 90_000);
});
