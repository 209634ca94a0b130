import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { readTrace } from '../../src/sim/trace.js';

const root = path.resolve(import.meta.dirname, '../..');

async function chain(example: string, fault: { entity: string; at: number }, duration: number): Promise<string[]> {
  const blueprint = await loadBlueprint(path.join(root, 'examples', example));
  const trace = await readTrace(path.join(root, 'examples/traces/wc_day53-r0-105m-l70.delta'));
  const { report } = await runSimulation(blueprint, { trace, faults: [fault], durationSeconds: duration });
  expect(report.faults).toEqual([fault]);
  return report.timeline.filter((r) => r.at >= fault.at && r.outcome !== 'skipped_cooldown').map((r) => `${r.policy} ${r.outcome} ${r.actions}`);
}

describe('the HA examples under fault injection', () => {
  it('web cluster: restarts, then escalation, then replacement', async () => {
    const rows = await chain('web-cluster-ha.yaml', { entity: 'web-2', at: 120 }, 600);
    expect(rows.filter((r) => !r.startsWith('web/autoscaler'))).toEqual([
      'web-2/restarter applied restart(web-2)',
      'web-2/restarter applied restart(web-2)',
      'web-2/restarter applied escalate(web-2)',
      'web/replacer applied replaceMember(web)',
    ]);
  });

  it('web cluster broken as a whole: replacements fail and the cluster escalates to the application', async () => {
    const rows = await chain('web-cluster-ha.yaml', { entity: 'web', at: 120 }, 1800);
    expect(rows.filter((r) => r.includes('web/replacer'))).toEqual(expect.arrayContaining(['web/replacer failed replaceMember(web)', 'web/replacer applied escalate(web)']));
  });

  it('database: the primary fails and the best replica is promoted', async () => {
    expect(await chain('database-failover.yaml', { entity: 'db-1', at: 60 }, 900)).toEqual(['db/failover applied fence(db-1), promote(db-2)']);
  });

  it('two sites: site-a loses quorum and the DR runbook runs in order', async () => {
    expect(await chain('two-site-dr.yaml', { entity: 'site-a', at: 300 }, 900)).toEqual(['shop/disaster-recovery applied fence(db-a), promote(db-b), setFloor(web-b), resize(web-b), route(traffic)']);
  });
});
