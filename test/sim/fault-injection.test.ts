import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { FaultSyntaxError, faultFlag, parseFaultEvent } from '../../src/sim/fault-schedule.js';
import { formatReport } from '../../src/sim/report.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { readTrace } from '../../src/sim/trace.js';

const root = path.resolve(import.meta.dirname, '../..');
const wc98 = path.join(root, 'examples/traces/wc_day53-r0-105m-l70.delta');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('fault flags', () => {
  it('reads each kind and writes it back the same way', () => {
    const texts = [
      ['fail', 'web-2@120'],
      ['recover', 'site-a@300.5'],
      ['lag', 'db-2=30@100'],
      ['fence-fails', 'db-1@0'],
      ['invoke', 'web:rollingUpdate:{"version":"2"}@300'],
      ['invoke', 'web:rollingRestart@10'],
    ] as const;
    for (const [kind, text] of texts) expect(faultFlag(parseFaultEvent(kind, text))[1]).toBe(text);
    expect(parseFaultEvent('lag', 'db-2=30@100')).toEqual({ kind: 'lag', entity: 'db-2', seconds: 30, at: 100 });
  });

  it('refuses malformed values, saying which flag and what it expects', () => {
    expect(() => parseFaultEvent('lag', 'db-2@10')).toThrow(FaultSyntaxError);
    expect(() => parseFaultEvent('lag', 'db-2@10')).toThrow("--lag 'db-2@10': expected <entity>=<seconds of lag>@<seconds>");
    expect(() => parseFaultEvent('invoke', 'web:resize:{nope}@1')).toThrow(/--invoke .*expected <entity>:<effector>/);
    expect(() => parseFaultEvent('fail', 'web-2')).toThrow("--fail 'web-2': expected <entity>@<seconds>");
  });

  it('refuses a number too large to be finite: 400 digits of lag read as Infinity, which the replica could not report, and its driver\'s lag was used', () => {
    const huge = '9'.repeat(400);
    expect(() => parseFaultEvent('lag', `db-2=${huge}@10`)).toThrow(/^--lag 'db-2=9{400}@10': the lag is too large \(at most 1e15 s\)$/);
    expect(() => parseFaultEvent('fail', `db-1@${huge}`)).toThrow(/^--fail 'db-1@9{400}': the time is too large \(at most 1e15 s\)$/);
    expect(() => parseFaultEvent('invoke', `db-1:promote@${huge}`)).toThrow(/the time is too large/);
    expect(parseFaultEvent('lag', 'db-2=1000000000000000@10')).toMatchObject({ seconds: 1e15 });
  });
});

describe('fault injection in simulations', () => {
  it('a fence that fails keeps the replica from being promoted: no second writable primary when the old one returns', async () => {
    const blueprint = await loadBlueprint(path.join(root, 'examples/database-failover.yaml'));
    const trace = await readTrace(wc98);
    const { report, deployment } = await runSimulation(blueprint, {
      trace,
      durationSeconds: 300,
      faults: [{ kind: 'fence-fails', entity: 'db-1', at: 0 }, { kind: 'fail', entity: 'db-1', at: 60 }, { kind: 'recover', entity: 'db-1', at: 200 }],
    });
    const failover = report.timeline.filter((d) => d.policy === 'db/failover');
    expect(failover[0]).toMatchObject({ outcome: 'failed', detail: expect.stringMatching(/fencing db-1 failed/) });
    expect(deployment.tree.get('db-2').sensor('role').current?.value).toBe('replica');
    expect(report.safety.violations).toEqual([]);
    expect(report.faults).toEqual([{ kind: 'fence-fails', entity: 'db-1', at: 0 }, { entity: 'db-1', at: 60 }, { kind: 'recover', entity: 'db-1', at: 200 }]);
  });

  it('a lagging replica is passed over, and a failover with every replica lagging is refused with the reason', async () => {
    const blueprint = await loadBlueprint(path.join(root, 'examples/database-failover.yaml'));
    const trace = await readTrace(wc98);
    const { report } = await runSimulation(blueprint, { trace, durationSeconds: 200, faults: [{ kind: 'lag', entity: 'db-2', seconds: 30, at: 10 }, { kind: 'fail', entity: 'db-1', at: 60 }] });
    expect(report.timeline.filter((d) => d.policy === 'db/failover')[0]).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/db-2 \(lag 30\.0 s > 5 s\)/) });
  });

  it('a person\'s operation runs at its time, held like the API\'s, and shows in the report', async () => {
    const blueprint = await loadBlueprint(path.join(root, 'examples/web-cluster-ha.yaml'));
    const trace = await readTrace(wc98);
    const { report, deployment } = await runSimulation(blueprint, { trace, durationSeconds: 300, faults: [{ kind: 'invoke', entity: 'web', at: 100, effector: 'rollingUpdate', params: { version: '2' } }] });
    expect(report.faults).toEqual([{ kind: 'invoke', entity: 'web', at: 100, effector: 'rollingUpdate', params: { version: '2' }, outcome: 'succeeded', endedAt: expect.any(Number) }]);
    const versions = deployment.tree.get('web').members.map((m) => m.sensor('version').current?.value);
    expect(new Set(versions)).toEqual(new Set(['2']));
  });

  it('says what became of a person\'s operation: one refused (a second primary) is in the report with why', async () => {
    const blueprint = await loadBlueprint(path.join(root, 'examples/database-failover.yaml'));
    const trace = await readTrace(wc98);
    const { report } = await runSimulation(blueprint, { trace, durationSeconds: 100, faults: [{ kind: 'invoke', entity: 'db-3', at: 5, effector: 'promote', params: {} }, { kind: 'invoke', entity: 'db-2', at: 6, effector: 'fence', params: {} }] });
    expect(report.faults).toEqual([
      { kind: 'invoke', entity: 'db-3', at: 5, effector: 'promote', params: {}, outcome: 'failed', endedAt: 5, error: expect.stringMatching(/cannot promote 'db-3': 'db-1' is the writable primary of group/) },
      { kind: 'invoke', entity: 'db-2', at: 6, effector: 'fence', params: {}, outcome: 'succeeded', endedAt: 6 },
    ]);
    expect(report.safety.violations).toEqual([]);
    const text = formatReport(report);
    expect(text).toMatch(/5 s {2}FAULT injected: a person invokes promote\(db-3\) \{\}\n {13}failed at 5 s: db-3\.promote: cannot promote 'db-3'/);
    expect(text).toMatch(/6 s {2}FAULT injected: a person invokes fence\(db-2\) \{\}\n {13}succeeded at 6 s/);
  });

  it('a run that ends while a plan still runs lets it finish, and still prints its report (it used to print nothing)', async () => {
    const result = await cli(['simulate', 'examples/web-cluster-ha.yaml', '--trace', wc98, '--duration', '200', '--fail', 'web-2@190', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { timeline: Array<{ at: number; policy: string; outcome: string }> };
    expect(report.timeline.at(-1)).toMatchObject({ policy: 'web-2/restarter', outcome: 'applied' });
  });

  it('names what is missing when a fault flag targets something the tree does not have', async () => {
    const result = await cli(['simulate', 'examples/web-cluster-ha.yaml', '--trace', wc98, '--duration', '10', '--lag', 'web-1=3@1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--lag web-1@1: 'web-1' has no replication.lag sensor/);
  });

  it('says which faults come after the end of the simulation and are not injected', async () => {
    const result = await cli(['simulate', 'examples/web-cluster-ha.yaml', '--trace', wc98, '--duration', '10', '--fail', 'web-2@500', '--recover', 'web-2@10', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('examples/web-cluster-ha.yaml: note: --fail web-2@500 comes after the end of the simulation (10 s): it never happens');
    expect(result.stderr).not.toContain('--recover');
  });
});
