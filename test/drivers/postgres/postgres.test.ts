import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Entity } from '../../../src/core/entity.js';
import type { TestPostgres } from '../../support/postgres-cluster.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { deploy, stateDir, waitUntil } from '../process/helpers.js';
import { acceptsWrite, pgChild, query, replicatedPostgres } from './helpers.js';
import { addressFileText } from '../../support/address-file.js';

const servers: TestPostgres[] = [];
const deployments: Deployment[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const p of proxies.splice(0)) await p.close();
  for (const s of servers.splice(0)) await s.dispose();
});

/**
 * Each test makes its own servers (initdb, a base backup per standby) before its steps: 12-19 s alone on a
 * loaded 2-core host, 24 s beside other real-server files, past the 20 s default.
 */
const SERVERS_TIMEOUT_MS = 60_000;

const role = (e: Entity): string | undefined => e.sensor<string>('role').current?.value;

async function deployed(text: string, dir = stateDir()) {
  const { deployment } = await deploy(text, dir);
  deployments.push(deployment);
  const invoke = (id: string, effector: string, params: unknown = {}) => deployment.engine.invoker.invoke(deployment.tree.get(id), effector, params, { caller: { kind: 'person', name: 'test' } });
  return { deployment, db: (id: string) => deployment.tree.get(id), invoke };
}

describe('entity types postgres and postgres-replication-group (real PostgreSQL clusters)', () => {
  it('reads roles, standbys and lag; promote is refused while the primary is writable; fence shuts it down; the other standby is repointed; rejoin brings the old primary back as a standby', async () => {
    const list = await replicatedPostgres(2);
    servers.push(...list);
    const [p, s1, s2] = list as [TestPostgres, TestPostgres, TestPostgres];
    const dir = stateDir();
    const addressFile = path.join(dir, 'primary.address');
    const { db, invoke } = await deployed(`name: pg\napplication:\n  id: app\n  children:\n    - id: pgs\n      type: postgres-replication-group\n      config: { addressFile: ${JSON.stringify(addressFile)}, every: 200ms }\n      children:\n${pgChild('p', p)}${pgChild('s1', s1)}${pgChild('s2', s2)}`, dir);
    await waitUntil(() => role(db('p')) === 'primary' && role(db('s1')) === 'replica' && role(db('s2')) === 'replica', 10_000, 'roles');
    await query(p.port, 'INSERT INTO t SELECT generate_series(1, 100)');
    await waitUntil(() => db('s1').sensor('replication.lag').value === 0 && db('s1').sensor('replication.lag.bytes').value === 0, 10_000, 's1 caught up');
    expect(db('p').sensor('replication.replicas').value).toBe(2);
    expect(db('s1').sensor('replication.source').value).toBe(`127.0.0.1:${p.port}`);
    expect(db('s1').sensor('replication.link.up').value).toBe(true);
    await waitUntil(() => addressFileText(addressFile) === `127.0.0.1:${p.port}\n`, 5_000, 'address file');

    await expect(invoke('s1', 'promote')).rejects.toMatchObject({ code: 'E_SPLIT_BRAIN' });
    await expect(invoke('p', 'fence')).resolves.toEqual({ fenced: 'stopped' });
    expect(role(db('p'))).toBe('fenced');
    expect(await acceptsWrite(p.port)).toBe(false);
    await invoke('s1', 'promote');
    expect(role(db('s1'))).toBe('primary');
    expect(await acceptsWrite(s1.port)).toBe(true);
    await waitUntil(() => db('s2').sensor('replication.source').value === `127.0.0.1:${s1.port}` && db('s2').sensor('replication.link.up').value === true, 15_000, 's2 repointed to s1');
    await query(s1.port, 'INSERT INTO t VALUES (101)');
    await waitUntil(async () => (await query<{ n: number }>(s2.port, 'SELECT count(*)::int AS n FROM t'))?.[0]?.n === 101, 10_000, 's2 follows s1');
    await waitUntil(() => readFileSync(addressFile, 'utf8') === `127.0.0.1:${s1.port}\n`, 5_000, 'address file follows');
    expect(role(db('p'))).toBe('fenced');

    await expect(invoke('p', 'rejoin')).resolves.toMatchObject({ follows: `127.0.0.1:${s1.port}` });
    await waitUntil(() => role(db('p')) === 'replica', 10_000, 'old primary a standby');
    await waitUntil(async () => (await query<{ n: number }>(p.port, 'SELECT count(*)::int AS n FROM t'))?.[0]?.n === 101, 10_000, 'old primary has the new data');
    expect(await acceptsWrite(p.port)).toBe(false);
  }, SERVERS_TIMEOUT_MS);

  it('a standby whose replication link is cut reports a lag in seconds that grows; read-only fencing ends sessions and refuses writes', async () => {
    const list = await replicatedPostgres(1);
    servers.push(...list);
    const [p, s] = list as [TestPostgres, TestPostgres];
    // the standby streams through a proxy that can hold the replication connection (its startup packet says replication)
    const proxy = await TcpProxy.start(p.port, (bytes) => bytes.includes('replication'));
    proxies.push(proxy);
    const { db, invoke } = await deployed(`name: pg\napplication:\n  id: app\n  children:\n    - id: grp\n      children:\n${pgChild('p', p, ', fence: { mode: read-only }')}${pgChild('s', s)}`);
    await waitUntil(() => role(db('s')) === 'replica', 10_000, 'standby');
    await invoke('s', 'demote', { host: '127.0.0.1', port: proxy.port });
    await waitUntil(() => db('s').sensor('replication.source').value === `127.0.0.1:${proxy.port}` && db('s').sensor('replication.lag').value === 0, 15_000, 'streaming through the proxy');
    proxy.hold();
    const writer = setInterval(() => void query(p.port, 'INSERT INTO t SELECT coalesce(max(n), 0) + 1 FROM t'), 50);
    try {
      const lag = await waitUntil(() => (db('s').sensor<number>('replication.lag').value ?? 0) >= 1 && db('s').sensor<number>('replication.lag').value, 10_000, 'lag of 1 s');
      expect(lag).toBeLessThan(5);
      expect(db('s').sensor<number>('replication.lag.bytes').value).toBeGreaterThan(0);
    } finally {
      clearInterval(writer);
    }
    proxy.release();
    await waitUntil(() => db('s').sensor('replication.lag').value === 0, 15_000, 'caught up');

    const session = new pg.Client({ host: '127.0.0.1', port: p.port, user: 'postgres', database: 'postgres' });
    session.on('error', () => undefined);
    await session.connect();
    await session.query('INSERT INTO probe VALUES (now())');
    await expect(invoke('p', 'fence')).resolves.toEqual({ fenced: 'read-only' });
    await expect(session.query('INSERT INTO probe VALUES (now())')).rejects.toThrow();
    void session.end().catch(() => undefined);
    expect(await acceptsWrite(p.port)).toBe(false);
    // the fence is re-applied at every poll while it holds, ending every client session (this one too when they
    // meet: a loaded run's read came back empty), so the read is tried again (bounded)
    const readOnly = await waitUntil(async () => (await query<{ ro: string }>(p.port, "SELECT current_setting('default_transaction_read_only') AS ro"))?.[0]?.ro, 10_000, 'the fenced server answering a read');
    expect(readOnly).toBe('on');
    expect(role(db('p'))).toBe('fenced');
  }, SERVERS_TIMEOUT_MS);
});
