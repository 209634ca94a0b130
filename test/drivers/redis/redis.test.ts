import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Entity } from '../../../src/core/entity.js';
import type { TestRedisServer } from '../../support/redis-server.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { deploy, stateDir, waitUntil } from '../process/helpers.js';
import { acceptsWrite, once, redisChild, replicatedRedis } from './helpers.js';
import { addressFileText } from '../../support/address-file.js';

const servers: TestRedisServer[] = [];
const deployments: Deployment[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const p of proxies.splice(0)) await p.close();
  for (const s of servers.splice(0)) await s.dispose();
});

async function group(replicas: number, extra = '', groupConfig = '') {
  const list = await replicatedRedis(replicas);
  servers.push(...list);
  const dir = stateDir();
  const addressFile = path.join(dir, 'primary.address');
  const children = list.map((s, i) => redisChild(`r${i + 1}`, s.port, extra)).join('');
  const text = `name: r\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      config: { addressFile: ${JSON.stringify(addressFile)}, every: 200ms${groupConfig} }\n      children:\n${children}`;
  const { deployment } = await deploy(text, dir);
  deployments.push(deployment);
  const db = (id: string): Entity => deployment.tree.get(id);
  const invoke = (id: string, effector: string, params: unknown = {}) => deployment.engine.invoker.invoke(db(id), effector, params, { caller: { kind: 'person', name: 'test' } });
  return { servers: list, deployment, db, invoke, addressFile };
}

const role = (e: Entity): string | undefined => e.sensor<string>('role').current?.value;

describe('entity types redis and redis-replication-group (real redis-server processes)', () => {
  it('reads role, offset, replicas, link and lag from INFO replication, and publishes the primary and its address', async () => {
    const { servers: [p], db, addressFile } = await group(2);
    await waitUntil(() => role(db('r1')) === 'primary' && role(db('r2')) === 'replica' && role(db('r3')) === 'replica', 5_000, 'roles');
    expect(db('r1').sensor('replication.replicas').value).toBe(2);
    expect(db('r2').sensor('replication.link.up').value).toBe(true);
    expect(db('r2').sensor('replication.source').value).toBe(`127.0.0.1:${p?.port}`);
    await once(p?.port as number, (c) => c.set('k', 'v'));
    await waitUntil(() => db('r2').sensor('replication.lag').value === 0 && db('r2').sensor('replication.lag.bytes').value === 0, 5_000, 'replica caught up');
    const cache = db('cache');
    await waitUntil(() => cache.sensor('primary').value === 'r1', 5_000, 'group primary');
    expect(cache.sensor('primary.address').value).toBe(`127.0.0.1:${p?.port}`);
    expect(cache.sensor('primaries.writable').value).toBe(1);
    await waitUntil(() => addressFileText(addressFile) === `127.0.0.1:${p?.port}\n`, 5_000, 'address file');
  });

  it('a replica whose replication link is cut reports a lag in seconds that grows, and 0 again once it catches up', async () => {
    const list = await replicatedRedis(0);
    servers.push(...list);
    const primary = list[0] as TestRedisServer;
    // the replica follows the primary through a proxy that can hold the replication link (the connection that speaks REPLCONF)
    const proxy = await TcpProxy.start(primary.port, (bytes) => bytes.includes('REPLCONF'));
    proxies.push(proxy);
    const [replica] = await replicatedRedisStandalone();
    await once(replica.port, (c) => c.replicaof('127.0.0.1', proxy.port), 2_000);
    const { deployment } = await deploy(`name: r\napplication:\n  id: app\n  children:\n    - id: grp\n      children:\n${redisChild('p', primary.port)}${redisChild('s', replica.port)}`);
    deployments.push(deployment);
    const s = deployment.tree.get('s');
    await waitUntil(() => s.sensor('replication.link.up').value === true && s.sensor('replication.lag').value === 0, 10_000, 'replica in sync');
    proxy.hold();
    const writer = setInterval(() => void once(primary.port, (c) => c.incr('counter')), 50);
    try {
      const lag = await waitUntil(() => (s.sensor<number>('replication.lag').value ?? 0) >= 1 && s.sensor<number>('replication.lag').value, 10_000, 'lag of 1 s');
      expect(lag).toBeLessThan(5);
      expect(s.sensor<number>('replication.lag.bytes').value).toBeGreaterThan(0);
      expect(s.sensor('role').value).toBe('replica');
    } finally {
      clearInterval(writer);
    }
    proxy.release();
    await waitUntil(() => s.sensor('replication.lag').value === 0, 10_000, 'caught up');
  });

  it('fence makes a reachable primary refuse writes and keeps it so after the pause expires; promote refuses while it is writable', async () => {
    const { servers: [p, r], db, invoke } = await group(1, ', fence: { pause: 300ms, rejoin: false }');
    await waitUntil(() => role(db('r1')) === 'primary' && role(db('r2')) === 'replica', 5_000, 'roles');
    await expect(invoke('r2', 'promote')).rejects.toMatchObject({ code: 'E_SPLIT_BRAIN' });
    expect(await acceptsWrite(p?.port as number)).toBe(true);
    await expect(invoke('r1', 'fence')).resolves.toEqual({ fenced: 'paused' });
    expect(role(db('r1'))).toBe('fenced');
    expect(db('r1').sensor('service.up').value).toBe(false);
    expect(await acceptsWrite(p?.port as number)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const refused = await once(p?.port as number, (c) => c.set('x', '1').catch((e: Error) => e.message));
    expect(refused).toMatch(/NOREPLICAS/);
    await invoke('r2', 'promote');
    expect(role(db('r2'))).toBe('primary');
    expect(await acceptsWrite(r?.port as number)).toBe(true);
    // fenced without rejoin: it stays fenced while the other serves
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(role(db('r1'))).toBe('fenced');
    expect(await acceptsWrite(p?.port as number)).toBe(false);
  });

  it('fence of a server nothing listens for succeeds (fenced by absence); of a paused one it fails, unless a fence command kills it', async () => {
    const { servers: [p, r], db, invoke } = await group(1);
    await waitUntil(() => role(db('r1')) === 'primary', 5_000, 'roles');
    await p?.stop();
    await expect(invoke('r1', 'fence')).resolves.toEqual({ fenced: 'absent' });
    r?.pause();
    const started = performance.now();
    await expect(invoke('r2', 'fence')).rejects.toMatchObject({ code: 'E_FENCE_FAILED' });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(role(db('r2'))).not.toBe('fenced');
    r?.resume();
  });

  it('a fence command (STONITH) fences a server that does not answer', async () => {
    const list = await replicatedRedis(0);
    servers.push(...list);
    const server = list[0] as TestRedisServer;
    const { deployment } = await deploy(`name: r\napplication:\n  id: app\n  children:\n    - id: grp\n      children:\n${redisChild('p', server.port, `, fence: { command: [kill, '-KILL', '${server.pid}'] }`)}`);
    deployments.push(deployment);
    const p = deployment.tree.get('p');
    await waitUntil(() => role(p) === 'primary', 5_000, 'primary');
    server.pause();
    await expect(deployment.engine.invoker.invoke(p, 'fence', {}, { caller: { kind: 'person', name: 'test' } })).resolves.toEqual({ fenced: 'command' });
    expect(await acceptsWrite(server.port)).toBe(false);
    await waitUntil(() => { try { process.kill(server.pid as number, 0); return false; } catch { return true; } }, 5_000, 'the process killed');
  });
});

describe('redis-replication-group with two writable primaries', () => {
  it('publishes no primary, counts both, is down, and repoints nothing until one is fenced', async () => {
    const [a] = await replicatedRedisStandalone();
    const [b] = await replicatedRedisStandalone();
    const { deployment } = await deploy(`name: r\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      config: { every: 100ms }\n      children:\n${redisChild('a', a.port)}${redisChild('b', b.port)}`);
    deployments.push(deployment);
    const cache = deployment.tree.get('cache');
    await waitUntil(() => cache.sensor('primaries.writable').value === 2, 5_000, 'two primaries counted');
    expect(cache.sensor('primary').value).toBe('');
    expect(cache.sensor('primary.writable').value).toBe(false);
    expect(cache.sensor('service.up').value).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(role(deployment.tree.get('b'))).toBe('primary');
    await deployment.engine.invoker.invoke(deployment.tree.get('b'), 'fence', {}, { caller: { kind: 'person', name: 'test' } });
    // the fenced one rejoins the remaining primary as a replica
    await waitUntil(() => role(deployment.tree.get('b')) === 'replica' && deployment.tree.get('b').sensor('replication.source').value === `127.0.0.1:${a.port}`, 5_000, 'b rejoined a');
    await waitUntil(() => cache.sensor('primary').value === 'a' && cache.sensor('service.up').value === true, 5_000, 'a the primary');
  });
});

async function replicatedRedisStandalone(): Promise<[TestRedisServer]> {
  const [server] = await replicatedRedis(0);
  servers.push(server as TestRedisServer);
  return [server as TestRedisServer];
}
