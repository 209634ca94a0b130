// SWIM's Reactive rules on a clock that moves on between reads, as a real one does (`homeostat run` of a
// sim.swim blueprint runs in real time). The rules evaluate on each period's total utilization and use the
// response time only when it is this period's: the simulated system published each reading of the period
// stamped as it went, so on a moving clock the response time was always older than the utilization and the
// rules skipped every period (no decision at all). A period's snapshot now has one time.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { readTrace } from '../../src/sim/trace.js';
import type { VirtualClock } from '../../src/testing/virtual-clock.js';
import { movingWithinTurn } from '../support/moving-clock.js';

const root = path.resolve(import.meta.dirname, '../..');
const wc98 = path.join(root, 'examples/traces/wc_day53-r0-105m-l70.delta');

describe('SWIM Reactive on a moving clock', () => {
  it('acts through the run, its first decisions as in virtual time', async () => {
    const blueprint = await loadBlueprint(path.join(root, 'examples/swim/swim-reactive.yaml'));
    const trace = await readTrace(wc98);
    const still = await runSimulation(blueprint, { trace, seed: 1 });
    const moving = await runSimulation(blueprint, { trace, seed: 1, onDeploy: (d) => movingWithinTurn(d.tree.scheduler as VirtualClock) });
    const decisions = async (run: typeof still) => (await run.deployment.knowledge.queryDecisions({ limit: 1_000 })).reverse().map((d) => `${Math.round(d.at / 1000)} ${d.outcome} ${d.reason}`);
    const [inVirtualTime, onAMovingClock] = [await decisions(still), await decisions(moving)];
    expect(inVirtualTime.length).toBeGreaterThan(20);
    // on a moving clock the rules act through the run (before: not once); a server whose boot ends on a
    // period's boundary may count as booting there, so a later decision may differ from virtual time's
    expect(onAMovingClock.length).toBeGreaterThan(20);
    expect(onAMovingClock.slice(0, 10)).toEqual(inVirtualTime.slice(0, 10));
  });
});
