import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Entity } from '../../../src/core/entity.js';
import { isRunning } from '../../../src/drivers/process/proc-fs.js';
import { slotsOf } from '../../../src/drivers/process/slots.js';
import { WORKER, deploy, serves, waitUntil } from './helpers.js';

const running: Deployment[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});

const node = JSON.stringify(process.execPath);

async function group(size: number, extra = '') {
  const text = `name: g
application:
  id: app
  children:
    - id: workers
      type: process-group
      config: { initialSize: ${size} }
      memberSpec:
        type: process
        config:
          command: ${node}
          args: [${JSON.stringify(WORKER)}]
          env: { WORKER_VERSION: "{{version}}", WORKER_INDEX: "{{index}}" }
          health: { http: "http://127.0.0.1:{{port}}/healthz", every: 100ms }
          stopGrace: 2s
${extra}`;
  const result = await deploy(text);
  running.push(result.deployment);
  return { ...result, workers: result.deployment.tree.get('workers') };
}

const up = (m: Entity) => m.sensor<boolean>('service.up').value === true;
const pidOf = (m: Entity) => m.sensor<number>('process.pid').value as number;
const portOf = (m: Entity) => m.sensor<number>('process.port').value as number;
const environ = (pid: number) => Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const invoke = (d: Deployment, entity: Entity, effector: string, params: unknown) => d.engine.invoker.invoke(entity, effector, params, { caller: { kind: 'person', name: 'test' } });

describe('entity type process-group (real OS processes)', () => {
  it('kill -9 of a worker: the restarter brings it back on its port; the time from kill to serving is measured', async () => {
    const { workers, events } = await group(2, `        policies:\n          - use: restarter\n            config: { maxRestarts: 5, window: 10m }\n`);
    await waitUntil(() => workers.members.length === 2 && workers.members.every(up), 15_000, 'two workers up');
    const victim = workers.members[0] as Entity;
    const pid = pidOf(victim);
    const port = portOf(victim);
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => !isRunning(pid), 5_000, 'the kill');
    await waitUntil(async () => (await serves(`http://127.0.0.1:${port}/healthz`)) && pidOf(victim) !== pid, 15_000, 'serving again');
    const recoveryMs = performance.now() - killedAt;
    console.log(`kill -9 -> serving again: ${recoveryMs.toFixed(0)} ms`);
    expect(recoveryMs).toBeLessThan(10_000);
    expect(victim.sensor('process.exit.signal').value).toBe('SIGKILL');
    expect(victim.sensor('process.restarts').value).toBe(1);
    expect(events.some((e) => e.kind === 'exited' && e.entity === victim.id && e.message.includes('killed by SIGKILL'))).toBe(true);
  });

  it('resize spawns and stops real processes; each member has its own index and port', async () => {
    const { workers, deployment } = await group(1);
    await waitUntil(() => workers.members.length === 1 && workers.members.every(up), 15_000, 'one worker');
    await invoke(deployment, workers, 'resize', { size: 4 });
    await waitUntil(() => workers.members.length === 4 && workers.members.every(up), 20_000, 'four workers up');
    const members = [...workers.members];
    expect(new Set(members.map(portOf)).size).toBe(4);
    expect(members.map((m) => environ(pidOf(m))['WORKER_INDEX']).sort()).toEqual(['1', '2', '3', '4']);
    for (const m of members) expect(await serves(`http://127.0.0.1:${portOf(m)}/`)).toBe(true);
    await invoke(deployment, workers, 'resize', { size: 2 });
    const gone = members.filter((m) => !workers.members.includes(m));
    expect(gone).toHaveLength(2);
    await waitUntil(() => gone.every((m) => !isRunning(pidOf(m))), 10_000, 'retired members stopped');
    // a slot is freed once its member's stop has completed, a moment after its process is gone
    await waitUntil(() => slotsOf(workers).size === 2, 10_000, 'retired slots freed');
    expect(workers.sensor('group.size').value).toBe(2);
    // the freed indexes are reused by the next members
    await invoke(deployment, workers, 'resize', { size: 3 });
    const fresh = workers.members.find((m) => !members.includes(m)) as Entity;
    await waitUntil(() => up(fresh), 15_000, 'new member up');
    expect(['3', '4']).toContain(environ(pidOf(fresh))['WORKER_INDEX']);
  });

  it('resize retires a worker that is down before the healthy ones, and refuses one that would cost the group its quorum', async () => {
    const { workers, deployment } = await group(3, '      quorum: { from: members, rule: atLeast, n: 2 }\n');
    await waitUntil(() => workers.members.length === 3 && workers.members.every(up), 20_000, 'three workers up');
    const [first, second, third] = workers.members as [Entity, Entity, Entity];
    const pid = pidOf(first);
    process.kill(pid, 'SIGKILL'); // no restarter: it stays down
    await waitUntil(() => !up(first), 10_000, 'the killed worker down');
    await expect(invoke(deployment, workers, 'resize', { size: 2 })).resolves.toEqual({ size: 2, retired: [first.id] });
    expect(workers.members).toEqual([second, third]);
    expect(workers.sensor('service.up').value).toBe(true);
    await expect(invoke(deployment, workers, 'resize', { size: 1 })).rejects.toThrow(
      `resize of workers to 1 refused: retiring ${third.id} would leave workers below its quorum rule (1 of 1 up (need at least 2)); pass allowQuorumLoss: true to resize it anyway`,
    );
    expect(workers.members).toEqual([second, third]);
    expect(isRunning(pidOf(third))).toBe(true);
  });

  it('rollingUpdate restarts every member with the new version, batch by batch behind the health gate; rollingRestart too', async () => {
    const { workers, deployment } = await group(3);
    await waitUntil(() => workers.members.length === 3 && workers.members.every(up), 15_000, 'three workers up');
    const before = workers.members.map(pidOf);
    const result = (await invoke(deployment, workers, 'rollingUpdate', { version: '2', maxUnavailable: 1, healthTimeout: 15_000 })) as { batches: string[][] };
    expect(result.batches).toHaveLength(3);
    const after = workers.members.map(pidOf);
    for (const pid of before) expect(isRunning(pid)).toBe(false);
    expect(after.every((pid) => !before.includes(pid))).toBe(true);
    expect(after.map((pid) => environ(pid)['WORKER_VERSION'])).toEqual(['2', '2', '2']);
    expect(workers.members.map((m) => m.sensor('version').value)).toEqual(['2', '2', '2']);
    await invoke(deployment, workers, 'rollingRestart', { maxUnavailable: 2, healthTimeout: 15_000 });
    const restarted = workers.members.map(pidOf);
    expect(restarted.every((pid) => !after.includes(pid) && isRunning(pid))).toBe(true);
    expect(workers.members.every(up)).toBe(true);
  });

  it('replaceMember starts the new process first and stops the old one once the new serves', async () => {
    const { workers, deployment } = await group(1);
    await waitUntil(() => workers.members.length === 1 && workers.members.every(up), 15_000, 'one worker');
    const old = workers.members[0] as Entity;
    const oldPid = pidOf(old);
    const result = (await invoke(deployment, workers, 'replaceMember', { member: old.id, startTimeout: 15_000 })) as { by: string };
    const fresh = deployment.tree.get(result.by);
    expect(up(fresh)).toBe(true);
    expect(isRunning(pidOf(fresh))).toBe(true);
    await waitUntil(() => !isRunning(oldPid), 10_000, 'old process stopped');
  });
});
