import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Entity } from '../../../src/core/entity.js';
import type { TestRedisServer } from '../../support/redis-server.js';
import { deploy, stateDir, waitUntil } from '../process/helpers.js';
import { once, probeWritable, redisChild, replicatedRedis } from './helpers.js';

const servers: TestRedisServer[] = [];
const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const s of servers.splice(0)) await s.dispose();
});

const role = (e: Entity): string | undefined => e.sensor<string>('role').current?.value;

describe('switchover of a real Redis group (planned, through the group effector)', () => {
  it('fences the primary, promotes the named replica once it has every write, and the old primary follows it; one writable primary at every probe', async () => {
    const list = await replicatedRedis(2);
    servers.push(...list);
    const [p, r2, r3] = list as [TestRedisServer, TestRedisServer, TestRedisServer];
    const dir = stateDir();
    const addressFile = path.join(dir, 'primary.address');
    const children = list.map((s, i) => redisChild(`r${i + 1}`, s.port)).join('');
    const { deployment } = await deploy(`name: r\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      config: { addressFile: ${JSON.stringify(addressFile)}, every: 200ms }\n      children:\n${children}`, dir);
    deployments.push(deployment);
    const db = (id: string): Entity => deployment.tree.get(id);
    const invoke = (id: string, effector: string, params: unknown = {}) => deployment.engine.invoker.invoke(db(id), effector, params, { caller: { kind: 'person', name: 'test' } });
    await waitUntil(() => role(db('r1')) === 'primary' && role(db('r2')) === 'replica' && role(db('r3')) === 'replica' && db('r2').sensor('replication.lag').value === 0, 10_000, 'roles');

    await expect(invoke('cache', 'switchover', { to: 'nope' })).rejects.toMatchObject({ code: 'E_UNKNOWN_TARGET' });
    await expect(invoke('cache', 'switchover', { to: 'r1' })).rejects.toMatchObject({ code: 'E_CONFLICT' });
    expect(role(db('r1'))).toBe('primary');

    for (let i = 0; i < 200; i++) await once(p.port, (c) => c.set(`k:${i}`, String(i)));
    const probe = probeWritable(() => [p.port, r2.port, r3.port], 50);
    await expect(invoke('cache', 'switchover', { to: 'r2' })).resolves.toMatchObject({ from: 'r1', to: 'r2' });
    expect(role(db('r2'))).toBe('primary');
    await waitUntil(() => role(db('r1')) === 'replica' && db('r1').sensor('replication.source').value === `127.0.0.1:${r2.port}`, 10_000, 'old primary a replica of r2');
    await waitUntil(() => db('r3').sensor('replication.source').value === `127.0.0.1:${r2.port}`, 10_000, 'r3 repointed to r2');
    await waitUntil(() => readFileSync(addressFile, 'utf8') === `127.0.0.1:${r2.port}\n`, 5_000, 'address file follows');
    const samples = await probe.stop();
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.filter((s) => s.writable.length > 1)).toEqual([]);
    expect(samples.some((s) => s.writable.includes(r2.port))).toBe(true);
    const values = await once(r2.port, (c) => c.mget(...Array.from({ length: 200 }, (_v, i) => `k:${i}`)), 2_000);
    expect(values?.filter((v) => v === null)).toEqual([]);
  }, 60_000);

  it('a promotion that fails after the primary was fenced leaves it fenced and says the group may have no writable primary', async () => {
    const list = await replicatedRedis(1);
    servers.push(...list);
    const [p, r2] = list as [TestRedisServer, TestRedisServer];
    const dir = stateDir();
    const children = list.map((s, i) => redisChild(`r${i + 1}`, s.port)).join('');
    const { deployment } = await deploy(`name: r\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      config: { every: 200ms }\n      children:\n${children}`, dir);
    deployments.push(deployment);
    const db = (id: string): Entity => deployment.tree.get(id);
    await waitUntil(() => role(db('r1')) === 'primary' && role(db('r2')) === 'replica' && db('r2').sensor('replication.lag').value === 0, 10_000, 'roles');
    // the replica stops answering just as it is asked to become the primary
    const pausing = deployment.engine.invoker.started$.subscribe((started) => {
      if (started.entity === 'r2' && started.effector === 'promote') r2.pause();
    });
    let probe: ReturnType<typeof probeWritable> | undefined;
    try {
      const failure = deployment.engine.invoker.invoke(db('cache'), 'switchover', { to: 'r2' }, { caller: { kind: 'person', name: 'test' } });
      await expect(failure).rejects.toMatchObject({ code: 'E_SWITCHOVER_ABORTED' });
      await expect(failure).rejects.toThrow(/'r1' was fenced, then promoting 'r2' failed \(.+\); 'r1' stays fenced, so the group may have no writable primary: check 'r2''s role/);
      probe = probeWritable(() => [p.port, r2.port], 50);
    } finally {
      pausing.unsubscribe();
      r2.resume();
    }
    // whether or not the replica took the promotion it held once it answers again, the old primary stayed
    // fenced: never two writable primaries, and the old one takes no writes
    await waitUntil(() => db('r2').sensor('service.up').value === true && role(db('r2')) !== undefined, 10_000, 'r2 answering again');
    const resumedAt = performance.now();
    const started = probe as ReturnType<typeof probeWritable>;
    await waitUntil(() => started.count(resumedAt) >= 5, 10_000, 'probes after the resume');
    const samples = await started.stop();
    expect(samples.filter((sample) => sample.writable.length > 1)).toEqual([]);
    expect(samples.some((sample) => sample.writable.includes(p.port))).toBe(false);
    expect(role(db('r1'))).toBe('fenced');
  }, 60_000);
});
