import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import type { FaultEvent } from '../../src/sim/fault-schedule.js';
import { formatReport } from '../../src/sim/report.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { readTrace } from '../../src/sim/trace.js';

const root = path.resolve(import.meta.dirname, '../..');
const wc98 = path.join(root, 'examples/traces/wc_day53-r0-105m-l70.delta');

const blueprintText = `
name: late-members
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 2 }
      memberSpec: { type: sim.server, config: { bootTime: 5s } }
`;

/** Runs 60 s of the blueprint with the faults; returns the report and whether each member reads up at the end. */
async function run(faults: FaultEvent[]) {
  const blueprint = await parseBlueprint(blueprintText, path.join(root, 'test/sim/late-members.yaml'));
  const up: Record<string, unknown> = {};
  const { report } = await runSimulation(blueprint, {
    trace: await readTrace(wc98),
    durationSeconds: 60,
    faults,
    events: [{ at: 59, run: (d) => d.tree.get('web').members.forEach((m) => void (up[m.id] = m.sensor('service.up').value)) }],
  });
  return { report, up };
}

const grow: FaultEvent = { kind: 'invoke', entity: 'web', effector: 'resize', params: { size: 4 }, at: 20 };

describe('faults on members a cluster starts during the run', () => {
  it('a --fail naming a member that appears later is applied when it appears, and the report says when', async () => {
    const { report, up } = await run([{ kind: 'fail', entity: 'web-3', at: 10 }, grow]);
    expect(up).toEqual({ 'web-1': true, 'web-2': true, 'web-3': false, 'web-4': true });
    expect(report.faults[0]).toEqual({ entity: 'web-3', at: 10, appliedAt: 20 });
    expect(formatReport(report)).toContain('FAULT injected: web-3 goes down and stays down (it appeared at 20 s)');
  });

  it('a --recover before the member appears clears its fault: it comes up', async () => {
    const { report, up } = await run([{ kind: 'fail', entity: 'web-3', at: 10 }, { kind: 'recover', entity: 'web-3', at: 15 }, grow]);
    expect(up).toMatchObject({ 'web-3': true });
    expect(report.faults.slice(0, 2)).toEqual([{ entity: 'web-3', at: 10, neverApplied: true }, { kind: 'recover', entity: 'web-3', at: 15 }]);
  });

  it('a fault on a member that never appears says so; a fault on a member there from the start is reported as before', async () => {
    const { report } = await run([{ kind: 'fail', entity: 'web-1', at: 10 }, { kind: 'fail', entity: 'web-9', at: 10 }, grow]);
    expect(report.faults.slice(0, 2)).toEqual([{ entity: 'web-1', at: 10 }, { entity: 'web-9', at: 10, neverApplied: true }]);
    expect(formatReport(report)).toContain('FAULT injected: web-9 goes down and stays down (it did not appear before its fault was cleared or the run ended)');
  });

  it('still refuses a name no cluster could start, naming what exists', async () => {
    await expect(run([{ kind: 'fail', entity: 'wbe-3', at: 10 }])).rejects.toThrow(/--fail wbe-3@10: no entity 'wbe-3' in the tree \(known: app, web, web-1, web-2\)/);
    await expect(run([{ kind: 'lag', entity: 'web-3', seconds: 3, at: 10 }])).rejects.toThrow(/no entity 'web-3'/);
  });
});
