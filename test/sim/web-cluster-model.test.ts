import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/drivers/seeded-random.js';
import { poissonArrivals, traceArrivals } from '../../src/sim/swim/arrivals.js';
import { ProcessorSharingServer, type ServerModel } from '../../src/sim/swim/ps-server.js';
import type { Completion } from '../../src/sim/swim/request.js';
import { SWIM_DEFAULTS, WebClusterModel } from '../../src/sim/swim/web-cluster-model.js';

/** Deterministic service: every request takes exactly `work` seconds, no warm-up. */
function fixed(work: number, threads = 100): ServerModel {
  return { threads, timeout: 10, full: { mean: work, sd: 0, warmupDelta: 0 }, low: { mean: work, sd: 0, warmupDelta: 0 }, warmupRequests: 6750 };
}

describe('ProcessorSharingServer', () => {
  it('shares the processor: two 1 s requests started together both finish at 2 s', () => {
    const done: Completion[] = [];
    const server = new ProcessorSharingServer(fixed(1), Math.random, 0, (c) => done.push(c));
    server.arrive({ arrival: 0, optional: true, tag: 0 }, 0);
    server.arrive({ arrival: 0, optional: true, tag: 0 }, 0);
    server.advanceTo(10);
    expect(done.map((c) => c.at)).toEqual([2, 2]);
  });

  it('slows a running request when another joins: 1 s alone, then shared', () => {
    const done: Completion[] = [];
    const server = new ProcessorSharingServer(fixed(1), Math.random, 0, (c) => done.push(c));
    server.arrive({ arrival: 0, optional: true, tag: 0 }, 0);
    server.arrive({ arrival: 0.5, optional: true, tag: 0 }, 0.5);
    server.advanceTo(10);
    // first: 0.5 s alone (0.5 done), then half speed: 0.5 left takes 1 s -> 1.5; second: 0.5 done by 1.5, then alone -> 2
    expect(done.map((c) => c.at)).toEqual([1.5, 2]);
    expect(server.takeBusyTime()).toBe(2);
  });

  it('queues beyond its threads and passes through a request that waited out the timeout', () => {
    const done: Completion[] = [];
    const server = new ProcessorSharingServer(fixed(20, 1), Math.random, 0, (c) => done.push(c));
    server.arrive({ arrival: 0, optional: true, tag: 0 }, 0);
    server.arrive({ arrival: 1, optional: true, tag: 0 }, 1);
    server.advanceTo(100);
    expect(done.map((c) => [c.at, c.served])).toEqual([[20, true], [20, false]]);
  });
});

describe('WebClusterModel', () => {
  it('boots new servers for the boot delay and drains removed ones', () => {
    const model = new WebClusterModel({ ...SWIM_DEFAULTS, initialServers: 1, bootDelay: 60 }, traceArrivals(new Float64Array([])), seededRandom(1));
    model.resize(3, 10);
    expect([model.servers, model.active, model.booting]).toEqual([3, 1, 2]);
    model.advanceTo(70);
    expect([model.servers, model.active, model.booting]).toEqual([3, 3, 0]);
    model.resize(1, 80);
    expect([model.servers, model.active]).toEqual([1, 1]);
    expect(model.activeSteps).toEqual([[0, 1], [70, 3], [80, 1]]);
  });

  it('refuses more than maxServers with a capacity error, and dimmer values outside 0..1', () => {
    const model = new WebClusterModel(SWIM_DEFAULTS, traceArrivals(new Float64Array([])), seededRandom(1));
    expect(() => model.resize(4, 0)).toThrow(expect.objectContaining({ code: 'E_INSUFFICIENT_CAPACITY' }));
    expect(() => model.setDimmer(-0.25, 0)).toThrow(/dimmer -0.25 is not a share between 0 and 1/);
    model.setDimmer(0.25, 0);
    expect(model.dimmer).toBe(0.25);
  });

  it('reports a period: arrivals, response time, utilization, optional share, time-weighted servers', () => {
    const random = seededRandom(7);
    const model = new WebClusterModel(SWIM_DEFAULTS, poissonArrivals(30, random), random);
    model.takePeriod(0);
    const warm = model.takePeriod(600);
    model.setDimmer(0.5, 600);
    const p = model.takePeriod(1200);
    expect(p.arrivals / 600).toBeCloseTo(30, 0);
    expect(p.completed).toBeGreaterThan(p.arrivals - 50);
    expect(p.optional / p.completed).toBeCloseTo(0.5, 1);
    // 30 req/s at roughly 0.02 s of mean work (half full, half low content) on 3 warm servers
    expect(p.utilizationTotal).toBeGreaterThan(0.3);
    expect(p.utilizationTotal).toBeLessThan(1.2);
    expect(p.meanResponseTime).toBeLessThan(warm.meanResponseTime ?? Infinity);
    expect(p.late).toBe(0);
    expect(p.servers).toBeCloseTo(3, 9);
  });

  it('is deterministic for a seed', () => {
    const run = () => {
      const random = seededRandom(42);
      const model = new WebClusterModel(SWIM_DEFAULTS, poissonArrivals(50, random), random);
      return [model.takePeriod(300), model.takePeriod(600)];
    };
    expect(run()).toEqual(run());
  });
});

describe('WebClusterModel: SWIM fidelity', () => {
  /** Service with a pure warm-up penalty: 1 s for the first request, falling with requests served. */
  const warmup: ServerModel = { threads: 100, timeout: 10, full: { mean: 0, sd: 0, warmupDelta: 1 }, low: { mean: 0, sd: 0, warmupDelta: 1 }, warmupRequests: 10 };

  /** Serves 20 requests on one server, removes it and adds it back, and returns the next request's response time. */
  function afterReAdd(cacheClearsOnReboot: boolean): number {
    const arrivals = [...Array.from({ length: 20 }, (_, i) => i * 10), 1000];
    const source = traceArrivals(Float64Array.from(arrivals), 0);
    const model = new WebClusterModel({ ...SWIM_DEFAULTS, initialServers: 1, bootDelay: 0, server: warmup, cacheClearsOnReboot }, source, () => 0.5, 0);
    model.takePeriod(500);
    model.resize(0, 500);
    model.resize(1, 600);
    model.takePeriod(900);
    return model.takePeriod(1100).meanResponseTime ?? NaN;
  }

  it("keeps a re-added server's cache warm by default (SWIM's cacheClearsWhenReboot = false)", () => {
    const warm = afterReAdd(false);
    const cold = afterReAdd(true);
    expect(cold).toBeCloseTo(1, 4); // a cold cache pays the whole penalty
    expect(warm).toBeLessThan(0.2); // 20 requests served before: exp(-ln 20 x 2) = 0.0025 of it
  });

  it('counts a timed-out request with the content the dimmer chose for it, as SWIM does', () => {
    // no server at all: every request waits out the timeout; the dimmer at 1 marks all optional
    const model = new WebClusterModel({ ...SWIM_DEFAULTS, initialServers: 0, initialDimmer: 1 }, traceArrivals(Float64Array.from([1, 2, 3]), 0), () => 0.5, 0);
    const stats = model.takePeriod(60);
    expect(stats.completed).toBe(3);
    expect(stats.optional).toBe(3);
  });
});
