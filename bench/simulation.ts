// Simulation speed: the whole WC98 trace (105 simulated minutes, 142,166 requests) against the built-in
// SWIM configuration, in virtual time. Reported as simulated seconds per wall-clock second.
import path from 'node:path';
import { loadBlueprint, readTrace, runSimulation } from '../src/index.js';
import { emit, median } from './stats.js';

// runs from bench/ (tsx) or from .bench-build/bench/ (compiled)
const root = path.resolve(import.meta.dirname, import.meta.dirname.includes('.bench-build') ? '../..' : '..');
const blueprint = await loadBlueprint(path.join(root, 'examples/swim/homeostat.yaml'));
const trace = await readTrace(path.join(root, 'examples/traces/wc_day53-r0-105m-l70.delta'));
const seconds: number[] = [];
for (let round = 0; round < 6; round++) {
  const start = performance.now();
  await runSimulation(blueprint, { trace });
  if (round > 0) seconds.push((performance.now() - start) / 1000); // round 0 warms up
}
const wall = median(seconds);
emit({ name: 'simulation', simulatedSeconds: trace.durationSeconds, requests: trace.arrivals.length, wallClockSeconds: wall, simulatedSecondsPerSecond: trace.durationSeconds / wall });
