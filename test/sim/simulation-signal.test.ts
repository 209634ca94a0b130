// runSimulation's `signal`: once aborted, the simulation stops at its next step and rejects, saying where it was
// and why, instead of going on to a report (the CLI aborts it at an uncaught exception).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { SimulationStopped, runSimulation } from '../../src/sim/run-simulation.js';
import { parseCsvTrace } from '../../src/sim/trace.js';

const root = path.resolve(import.meta.dirname, '../..');
const trace = parseCsvTrace(`timestamp,count\n${Array.from({ length: 60 }, (_, i) => `${i * 60},600`).join('\n')}\n`, 'steady.csv');

describe('a simulation with a signal', () => {
  it('stops at the step after the abort and rejects with where it was and why', async () => {
    const blueprint = await loadBlueprint(path.join(root, 'examples/swim/homeostat.yaml'));
    const aborting = new AbortController();
    let steps = 0;
    const run = runSimulation(blueprint, {
      trace,
      warmupSeconds: 0,
      signal: aborting.signal,
      onDeploy: (deployment) => {
        // aborted once the simulated clock passes 600 s
        deployment.engine.scheduler.schedule(() => aborting.abort(new Error('told to stop')), 600_000);
      },
      onStep: () => (steps += 1),
    });
    const stopped = await run.then(() => undefined, (error: unknown) => error);
    expect(stopped).toBeInstanceOf(SimulationStopped);
    expect(stopped).toMatchObject({ reachedSeconds: 600, durationSeconds: 3600, message: 'the simulation was stopped at 600 of 3600 simulated s: told to stop' });
    expect(steps).toBeGreaterThan(0);
  });

  it('simulates nothing when the signal is aborted before it starts', async () => {
    const blueprint = await loadBlueprint(path.join(root, 'examples/swim/homeostat.yaml'));
    const error = await runSimulation(blueprint, { trace, warmupSeconds: 0, signal: AbortSignal.abort(new Error('never started')) }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ reachedSeconds: 0, durationSeconds: 3600, message: 'the simulation was stopped at 0 of 3600 simulated s: never started' });
  });
});
