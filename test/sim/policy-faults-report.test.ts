import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { formatReport } from '../../src/sim/report.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { parseDeltaTrace } from '../../src/sim/trace.js';

const fixtures = path.join(import.meta.dirname, '../blueprint/fixtures');

// A policy that fails every time it plans made no decision and left no trace in the report: a simulation
// of a broken policy read like one of a policy with nothing to do.
describe('the simulation report of a policy that fails', () => {
  it('lists its faults by policy, phase and message, with how often (restarted with backoff: at 0, 1, 3, 7, 15 and 31 s) and from when, also in the text report', async () => {
    const blueprint = await parseBlueprint(
      `name: broken
application:
  id: app
  type: application
  children:
    - id: web
      type: cluster
      config: { initialSize: 2 }
      memberSpec: { type: entity }
      policies:
        - module: ./throwing-policy.ts
`,
      path.join(fixtures, 'inline.yaml'),
    );
    const trace = parseDeltaTrace(Array.from({ length: 100 }, () => '1').join('\n'), 'ones.delta');
    const { report } = await runSimulation(blueprint, { trace, durationSeconds: 60 });
    expect(report.decisions.total).toBe(0);
    expect(report.policyFaults).toEqual([{ policy: 'web/always-throws', phase: 'plan', message: 'plan exploded', count: 6, firstAt: 0 }]);
    expect(formatReport(report)).toContain('policy faults:\n  web/always-throws failed in plan 6 times, first at 0 s: plan exploded');
  });
});
