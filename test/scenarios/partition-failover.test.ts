import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import type { FaultEvent } from '../../src/sim/fault-schedule.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { readTrace, type ArrivalTrace } from '../../src/sim/trace.js';

const root = path.resolve(import.meta.dirname, '../..');
let trace: ArrivalTrace;
beforeAll(async () => {
  trace = await readTrace(path.join(root, 'examples/traces/wc_day53-r0-105m-l70.delta'));
});

/** A group of two databases polled every 5 s, with a database config and failover config added. */
const blueprint = (db: string, policy: string) =>
  parseBlueprint(`
name: partition
application:
  id: app
  children:
    - id: db
      type: sim.db-cluster
      children:
        - { id: db-1, type: sim.database, config: { role: primary, weight: 2${db} } }
        - { id: db-2, type: sim.database, config: { role: replica, weight: 1, lag: 1${db} } }
      policies:
        - use: failover
          config: { failureDelay: 10s, maxLag: 5, recoveryBlock: 10m, fenceTimeout: 20s${policy} }
`, path.join(root, 'partition.yaml'));

async function run(db: string, policy: string, faults: FaultEvent[], durationSeconds = 300) {
  const { report, deployment } = await runSimulation(await blueprint(db, policy), { trace, durationSeconds, faults });
  const failover = report.timeline.filter((d) => d.policy === 'db/failover');
  return { report, failover, role: (id: string) => deployment.tree.get(id).sensor<string>('role').current?.value };
}

describe('a partitioned primary keeps taking writes: no promotion beside it', () => {
  it('fence: best-effort with a 30 s lease: the failed fence does not promote db-2 while db-1 may still take writes (before: two writable primaries from 70 s until db-1\'s lease ran out)', async () => {
    const { report, failover, role } = await run(', lease: 30s, fencing: { failure: error }', ', fence: best-effort', [{ kind: 'partition', entity: 'db-1', at: 60 }]);
    expect(report.safety.violations).toEqual([]);
    // db-1 is seen down at its poll at 65 s and its lease (renewed at 60 s) holds until 90 s: the failover waits
    expect(failover[0]).toMatchObject({ at: 75, outcome: 'blocked', reason: expect.stringMatching(/^primary db-1 has been down for 10 s, but db-1 may still be taking its clients' writes .* until its lease runs out at 90 s, .*: waiting \(whatever fence says\), reconsidered when the lease runs out$/) });
    expect(failover.find((d) => d.outcome === 'applied')).toMatchObject({ at: 90, actions: 'promote(db-2)', reason: expect.stringMatching(/reconsidered: the lease of db-1 ran out.*db-1's lease ran out at 90 s, so it takes no writes since/) });
    expect(failover.filter((d) => d.outcome === 'applied')).toHaveLength(1);
    expect(role('db-2')).toBe('primary');
  });

  it('fence: required with a lease: db-2 is promoted once db-1\'s lease ran out (before: not until a fence reached db-1 after the heal at 200 s, promoting at 215 s), and db-1 heals as a replica', async () => {
    const { report, failover, role } = await run(', lease: 30s', '', [{ kind: 'partition', entity: 'db-1', at: 60 }, { kind: 'heal', entity: 'db-1', at: 200 }]);
    expect(report.safety.violations).toEqual([]);
    expect(failover.find((d) => d.outcome === 'applied')).toMatchObject({ at: 90, actions: 'promote(db-2)' });
    expect([role('db-1'), role('db-2')]).toEqual(['replica', 'primary']);
  });

  it('a lease longer than retryInterval: the waits read again in between say it is the lease they wait for, not a guard (there is none)', async () => {
    const { report, failover } = await run(', lease: 3m', '', [{ kind: 'partition', entity: 'db-1', at: 60 }], 400);
    expect(report.safety.violations).toEqual([]);
    const waits = failover.filter((d) => d.outcome === 'blocked');
    expect(waits.length).toBeGreaterThan(1);
    for (const wait of waits) expect(wait.reason).not.toMatch(/guard/);
    expect(waits[1]).toMatchObject({ reason: expect.stringMatching(/\(reconsidered: the lease of db-1 is read again\), but db-1 may still be taking its clients' writes .* until its lease runs out at 240 s/) });
    expect(failover.find((d) => d.outcome === 'applied')).toMatchObject({ at: 240, actions: 'promote(db-2)' });
  });

  it('a crashed primary with a lease is waited for too, and the wait does not call it a partition (nothing tells the two apart)', async () => {
    const { report, failover } = await run(', lease: 30s', '', [{ kind: 'fail', entity: 'db-1', at: 60 }]);
    expect(report.safety.violations).toEqual([]);
    expect(failover[0]).toMatchObject({ outcome: 'blocked', reason: expect.stringMatching(/but db-1 may still be taking its clients' writes \(if it is cut off from homeostat rather than crashed: a partition\) until its lease runs out at 90 s/) });
    expect(failover.find((d) => d.outcome === 'applied')).toMatchObject({ at: 90, actions: 'promote(db-2)' });
  });

  it('no lease: nothing says db-1 stopped, so nothing is promoted while it is cut off (every fence fails); it is still the writable primary', async () => {
    const { report, failover, role } = await run('', '', [{ kind: 'partition', entity: 'db-1', at: 60 }], 240);
    expect(report.safety.violations).toEqual([]);
    expect(failover[0]).toMatchObject({ outcome: 'failed', detail: expect.stringMatching(/step 'fence' failed: db-1\.fence: effector 'fence' timed out after 20000 ms; fence failed, promote skipped/) });
    expect(failover.filter((d) => d.outcome === 'applied')).toEqual([]);
    expect([role('db-1'), role('db-2')]).toEqual(['primary', 'replica']);
  });
});
