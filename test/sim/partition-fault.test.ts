import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { checkFaultTargets, injectFault } from '../../src/sim/fault-injector.js';
import { faultFlag, parseFaultEvent } from '../../src/sim/fault-schedule.js';
import { SafetyMonitor } from '../../src/sim/safety-monitor.js';
import { scenario } from '../scenarios/helpers.js';

const root = path.resolve(import.meta.dirname, '../..');

/** Two databases polled every 5 s, no policy: what the fault alone does. */
const group = (db = '') => `
name: db
application:
  id: app
  children:
    - id: db
      type: sim.db-cluster
      children:
        - { id: db-1, type: sim.database, config: { role: primary${db} } }
        - { id: db-2, type: sim.database, config: { role: replica, lag: 1${db} } }
`;

async function partitioned(db = '') {
  const run = await scenario(group(db));
  const partition = (id: string) => injectFault(run.deployment, run.host, { kind: 'partition', entity: id, at: run.clock.now() / 1000 });
  const heal = (id: string) => injectFault(run.deployment, run.host, { kind: 'heal', entity: id, at: run.clock.now() / 1000 });
  const reads = (id: string) => {
    const db1 = run.tree.get(id);
    return { role: db1.sensor<string>('role').current?.value, up: db1.sensor<boolean>('service.up').value, lagAt: db1.sensor('replication.lag').current?.at };
  };
  return { ...run, partition, heal, reads };
}

describe('the partition fault', () => {
  it('reads --partition and --heal and writes them back the same way', () => {
    expect(parseFaultEvent('partition', 'db-1@60')).toEqual({ kind: 'partition', entity: 'db-1', at: 60 });
    expect(faultFlag(parseFaultEvent('heal', 'db-1@90.5'))).toEqual(['--heal', 'db-1@90.5']);
    expect(() => parseFaultEvent('partition', 'db-1')).toThrow("--partition 'db-1': expected <entity>@<seconds>, e.g. db-1@60");
  });

  it('is refused on an entity that is not a database, saying why', async () => {
    const { deployment } = await scenario(group());
    expect(() => checkFaultTargets(deployment, [{ kind: 'partition', entity: 'db', at: 10 }])).toThrow(/^--partition db@10: 'db' is not a database \(no role sensor\): partitions are simulated for databases/);
    expect(() => checkFaultTargets(deployment, [{ kind: 'heal', entity: 'db-9', at: 10 }])).toThrow(/--heal db-9@10: no entity 'db-9' in the tree/);
  });

  it('homeostat reads nothing from a partitioned primary from its next poll on, while its clients still write to it', async () => {
    const { clock, host, tree, partition, reads } = await partitioned();
    await clock.advanceBy(12_000);
    partition('db-1');
    // nothing changes before the next poll (at 15 s): a partition is noticed by a poll that fails
    expect(reads('db-1')).toMatchObject({ role: 'primary', up: true });
    await clock.advanceBy(3_000);
    expect(reads('db-1')).toMatchObject({ role: 'primary', up: false, lagAt: 10_000 });
    await clock.advanceBy(60_000);
    expect(reads('db-1')).toMatchObject({ role: 'primary', up: false, lagAt: 10_000 });
    expect(tree.get('db').sensor('primary.writable').value).toBe(false);
    expect(host.writableAsClientsSee('db-1')).toBe(true);
    expect(host.writableAsClientsSee('db-2')).toBe(false);
  });

  it('every effector on it fails as unreachable, fencing included; the replica beside it can still be promoted', async () => {
    const { clock, deployment, host, tree, partition, reads } = await partitioned(', fencing: { failure: error }');
    await clock.advanceBy(10_000);
    partition('db-1');
    await clock.advanceBy(5_000);
    // through the engine, as a person would, the clock moving on while retries wait
    const invoke = async (id: string, effector: string): Promise<unknown> => {
      const done = deployment.engine.invokeHeld(tree.get(id), effector, {}, { caller: { kind: 'person', name: 'test' } }).then((value) => ({ value }), (error: unknown) => ({ error }));
      await clock.advanceBy(60_000);
      const end = await done;
      if ('error' in end) throw end.error;
      return end.value;
    };
    await expect(invoke('db-1', 'fence')).rejects.toThrow(/could not fence 'db-1': it is unreachable/);
    await expect(invoke('db-1', 'demote')).rejects.toThrow(/cannot demote 'db-1': it is unreachable/);
    await expect(invoke('db-1', 'restart')).rejects.toThrow(/cannot restart 'db-1': it is unreachable/);
    expect(reads('db-1').role).toBe('primary');
    // homeostat sees no writable primary, so the database does not refuse: the split brain a failover must avoid
    await invoke('db-2', 'promote');
    const safety = new SafetyMonitor(tree, (db) => host.writableAsClientsSee(db.id) ?? false);
    safety.check();
    expect(safety.violations).toEqual([expect.objectContaining({ group: 'db', detail: 'db-1 and db-2 are both writable primaries' })]);
    // judged by the sensors, as before, the partitioned primary did not count
    const bySensors = new SafetyMonitor(tree);
    bySensors.check();
    expect(bySensors.violations).toEqual([]);
  });

  it('at the heal, readings resume at the next poll with the role the database holds', async () => {
    const { clock, partition, heal, reads } = await partitioned();
    await clock.advanceBy(10_000);
    partition('db-1');
    await clock.advanceBy(30_000);
    heal('db-1');
    expect(reads('db-1').up).toBe(false);
    await clock.advanceBy(5_000);
    expect(reads('db-1')).toMatchObject({ role: 'primary', up: true, lagAt: 45_000 });
  });

  it('with a lease, a partitioned primary stops taking writes when it runs out, and heals as a replica', async () => {
    const { clock, host, tree, partition, heal, reads } = await partitioned(', lease: 12s');
    await clock.advanceBy(10_000);
    expect(tree.get('db-1').sensor('lease.until').value).toBe(22_000);
    partition('db-1');
    await clock.advanceBy(11_999);
    expect(host.writableAsClientsSee('db-1')).toBe(true);
    await clock.advanceBy(1);
    expect(host.writableAsClientsSee('db-1')).toBe(false);
    expect(tree.get('db-1').sensor('lease.until').value).toBe(22_000);
    heal('db-1');
    await clock.advanceBy(5_000);
    expect(reads('db-1')).toMatchObject({ role: 'replica', up: true });
    expect(host.writableAsClientsSee('db-1')).toBe(false);
  });

  it('a replica promoted after its heal, before its next poll, takes writes: the promote reached it, renewing its lease', async () => {
    const { clock, deployment, host, tree, partition, heal, reads } = await partitioned(', lease: 12s');
    const person = { caller: { kind: 'person' as const, name: 'ops' } };
    await clock.advanceBy(10_000);
    partition('db-2');
    await deployment.engine.invoker.invoke(tree.get('db-1'), 'fence', {}, person);
    // db-2's lease, last renewed at 10 s, ran out at 22 s while it was cut off
    await clock.advanceBy(20_000);
    heal('db-2');
    await deployment.engine.invoker.invoke(tree.get('db-2'), 'promote', {}, person);
    expect(reads('db-2').role).toBe('primary');
    expect(host.writableAsClientsSee('db-2')).toBe(true);
    await clock.advanceBy(5_000);
    expect(reads('db-2')).toMatchObject({ role: 'primary', up: true });
  });

  it('a crashed primary whose lease runs out publishes nothing: homeostat reads no role from a database it cannot reach', async () => {
    const { clock, deployment, host, reads } = await partitioned(', lease: 12s');
    await clock.advanceBy(10_000);
    injectFault(deployment, host, { kind: 'fail', entity: 'db-1', at: 10 });
    await clock.advanceBy(20_000);
    expect(host.writableAsClientsSee('db-1')).toBe(false);
    expect(reads('db-1')).toMatchObject({ role: 'primary', up: false });
    injectFault(deployment, host, { kind: 'recover', entity: 'db-1', at: 30 });
    await clock.advanceBy(5_000);
    expect(reads('db-1')).toMatchObject({ role: 'replica', up: true });
  });

  it('a lease no longer than the poll interval is refused where it is written', async () => {
    await expect(parseBlueprint(group(', tick: 10s, lease: 10s'), path.join(root, 'inline.yaml'))).rejects.toThrow(/lease must be longer than tick/);
  });
});

describe('homeostat simulate --partition', () => {
  it('is in the help, and a partition shows in the JSON report and its timeline', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'homeostat-partition-'));
    const file = path.join(dir, 'db.yaml');
    writeFileSync(file, group());
    const help = await cli(['simulate', '--help']);
    expect(help.stdout).toMatch(/--partition <entity@seconds>\s+cut a database off from homeostat/);
    expect(help.stdout).toMatch(/--heal <entity@seconds>\s+end a partition/);
    const { code, stdout } = await cli(['simulate', file, '--trace', path.join(root, 'examples/traces/wc_day53-r0-105m-l70.delta'), '--duration', '60', '--partition', 'db-1@10', '--heal', 'db-1@40', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { faults: unknown[]; safety: { violations: unknown[] } };
    expect(report.faults).toEqual([{ kind: 'partition', entity: 'db-1', at: 10 }, { kind: 'heal', entity: 'db-1', at: 40 }]);
    expect(report.safety.violations).toEqual([]);
  }, 60_000);
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), ...args], { cwd: root });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}
