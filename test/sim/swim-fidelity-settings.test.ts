import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { swimAdaptationStart } from '../../src/sim/swim/adaptation-start.js';
import { traceArrivals } from '../../src/sim/swim/arrivals.js';
import type { ServerModel } from '../../src/sim/swim/ps-server.js';
import { SWIM_DEFAULTS, WebClusterModel, type DimmerAppliedAt } from '../../src/sim/swim/web-cluster-model.js';
import { parseCsvTrace } from '../../src/sim/trace.js';
import { problemsOf } from '../blueprint/problems-of.js';

const root = path.resolve(import.meta.dirname, '../..');

/** One thread: full content takes 2 s, low content 0.5 s, no warm-up penalty. */
const oneThread: ServerModel = { threads: 1, timeout: 10, full: { mean: 2, sd: 0, warmupDelta: 0 }, low: { mean: 0.5, sd: 0, warmupDelta: 0 }, warmupRequests: 10 };

describe('sim.swim: when the dimmer applies', () => {
  /** Two requests at 0 s on one single-threaded server; the dimmer goes from 1 to 0 at 1 s, while the second waits. */
  function queuedAcrossDimmerChange(dimmerAppliedAt: DimmerAppliedAt) {
    const settings = { ...SWIM_DEFAULTS, initialServers: 1, initialDimmer: 1, bootDelay: 0, server: oneThread, dimmerAppliedAt };
    const model = new WebClusterModel(settings, traceArrivals(Float64Array.from([0, 0]), 0), () => 0.5, 0);
    model.setDimmer(0, 1);
    return model.takePeriod(60);
  }

  it('draws the content when service starts by default (SWIM): a request queued across a change gets the new dimmer', () => {
    const stats = queuedAcrossDimmerChange(SWIM_DEFAULTS.dimmerAppliedAt ?? 'arrival');
    expect(stats.optional).toBe(1);
    expect(stats.meanResponseTime).toBeCloseTo((2 + 2.5) / 2, 9); // the second starts at 2 s with low content
  });

  it('draws it at arrival with dimmerAppliedAt: arrival', () => {
    const stats = queuedAcrossDimmerChange('arrival');
    expect(stats.optional).toBe(2);
    expect(stats.meanResponseTime).toBeCloseTo((2 + 4) / 2, 9);
  });

  it('counts a request that timed out before its service started as optional, whatever the dimmer (SWIM)', () => {
    const settings = { ...SWIM_DEFAULTS, initialServers: 0, initialDimmer: 0 };
    const atService = new WebClusterModel({ ...settings, dimmerAppliedAt: 'service' }, traceArrivals(Float64Array.from([1, 2]), 0), () => 0.5, 0).takePeriod(60);
    const atArrival = new WebClusterModel({ ...settings, dimmerAppliedAt: 'arrival' }, traceArrivals(Float64Array.from([1, 2]), 0), () => 0.5, 0).takePeriod(60);
    expect([atService.completed, atService.optional]).toEqual([2, 2]);
    expect([atArrival.completed, atArrival.optional]).toEqual([2, 0]);
  });

  it("starts at SWIM's dimmer 0.9 and takes any share in 0..1, as SWIM's SetDimmerTactic", () => {
    const model = new WebClusterModel(SWIM_DEFAULTS, traceArrivals(new Float64Array([])), () => 0.5, 0);
    expect(model.dimmer).toBe(0.9);
    model.setDimmer(0.65, 1);
    expect(model.dimmer).toBe(0.65);
    expect(() => model.setDimmer(1.2, 2)).toThrow(/dimmer 1.2 is not a share between 0 and 1/);
    expect(() => model.setDimmer(Number.NaN, 2)).toThrow(RangeError);
  });
});

describe('sim.swim: adaptation start', () => {
  it("follows SWIM's rule: half the warm-up rounded up to whole periods, plus one period", () => {
    expect(swimAdaptationStart(60)).toBe(540);
    expect(swimAdaptationStart(100)).toBe(600);
    expect(swimAdaptationStart(30)).toBe(480);
    expect(swimAdaptationStart(60, 0)).toBe(60);
    expect(() => swimAdaptationStart(0)).toThrow(/period 0 s is not a positive number/);
  });

  /** SWIM's Reactive manager on an overloaded cluster (it lowers the dimmer every period); invocations by time. */
  async function reactiveUnderOverload(config: string) {
    const blueprint = await parseBlueprint(`name: t
application:
  id: swim
  children:
    - id: web
      type: sim.swim
      config: { maxServers: 3, initialServers: 3, ${config} }
      policies:
        - module: ../../../policies/swim-reactive.ts
`, path.join(root, 'test/blueprint/fixtures/inline.yaml'));
    const rows = Array.from({ length: 15 }, (_, i) => `${i * 60},${60 * 250}`).join('\n');
    const trace = parseCsvTrace(`timestamp,count\n${rows}\n`, 'overload.csv');
    const { deployment, report } = await runSimulation(blueprint, { trace, warmupSeconds: 0 });
    const invocations = await deployment.knowledge.queryInvocations({ limit: 1_000 });
    return { invocations: invocations.filter((r) => r.effector === 'setDimmer').sort((a, b) => a.at - b.at), report };
  }

  it('refuses adaptations before 540 s by default, and takes them from there', async () => {
    const { invocations } = await reactiveUnderOverload('');
    const refused = invocations.filter((r) => r.outcome === 'failed');
    const applied = invocations.filter((r) => r.outcome === 'succeeded');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.at < 540_000)).toBe(true);
    expect(JSON.stringify(refused[0]?.error)).toMatch(/E_NOT_ADAPTING_YET.*takes adaptations from 540 s/);
    expect(applied[0]?.at).toBe(540_000);
  });

  it('adapts from the start with adaptFrom: 0', async () => {
    const { invocations } = await reactiveUnderOverload('adaptFrom: 0');
    expect(invocations.filter((r) => r.outcome === 'failed')).toEqual([]);
    expect(invocations[0]?.at).toBe(60_000);
  });

  it('refuses bad settings with their position', async () => {
    const found = await problemsOf(`name: t
application:
  id: swim
  type: sim.swim
  config: { dimmerAppliedAt: start, adaptFrom: -5s, initialDimmer: 1.5 }
`);
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^5:30: dimmerAppliedAt: expected 'service' .* or 'arrival'$/),
      expect.stringMatching(/^5:48: adaptFrom: '-5s' is not a duration/),
      expect.stringMatching(/^5:68: initialDimmer: .*<=1/),
    ]));
  });
});
