import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { readTrace } from '../../src/sim/trace.js';

const root = path.resolve(import.meta.dirname, '../..');
const example = path.join(root, 'examples/two-site-dr.yaml');

async function simulate(transform: (yaml: string) => string = (y) => y) {
  const blueprint = await parseBlueprint(transform(await readFile(example, 'utf8')), example);
  const trace = await readTrace(path.join(root, 'examples/traces/wc_day53-r0-105m-l70.delta'));
  return (await runSimulation(blueprint, { trace, durationSeconds: 900, faults: [{ entity: 'site-a', at: 300 }] })).report;
}

describe('routing in the simulation', () => {
  it('route moves the users between sites, so DR shows in the report as requests served again', async () => {
    const withDr = await simulate();
    const [traffic] = withDr.traffic;
    expect(traffic?.routes).toEqual([{ at: 0, site: 'site-a' }, { at: 350, site: 'site-b' }]);
    // dropped: only between the site loss (300 s) and the route (350 s), about 50 of 900 s
    const share = (t: typeof traffic) => (t ? t.requests.dropped / t.requests.offered : NaN);
    expect(share(traffic)).toBeGreaterThan(0.03);
    expect(share(traffic)).toBeLessThan(0.1);
    // without the DR policy, everything after the site loss is dropped
    const withoutDr = await simulate((yaml) => yaml.replace(/\n  policies:\n[\s\S]*$/, '\n'));
    expect(withoutDr.traffic[0]?.routes).toEqual([{ at: 0, site: 'site-a' }]);
    expect(share(withoutDr.traffic[0])).toBeGreaterThan(0.6);
  });
});
