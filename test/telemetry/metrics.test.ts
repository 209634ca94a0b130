import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client';
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePolicy } from '../../src/policies/define-policy.js';
import type { Engine } from '../../src/core/engine/engine.js';
import { HomeostatMetrics, actionLabel } from '../../src/telemetry/metrics.js';
import { engineFixture, followLoad } from '../core/engine/fixture.js';

const COUNTED = ['homeostat_decisions_total', 'homeostat_last_decision_timestamp_seconds', 'homeostat_loop_phase_duration_seconds', 'homeostat_effector_invocations_total', 'homeostat_effector_duration_seconds', 'homeostat_sensor_rejected_readings_total'];

/** The metrics as prom-client's own label-object updates make them (how HomeostatMetrics counted before). */
function referenceMetrics(engine: Engine, registry: Registry) {
  const registers = [registry];
  const decisions = new Counter({ name: 'homeostat_decisions_total', help: 'h', labelNames: ['policy', 'action', 'outcome'], registers });
  const last = new Gauge({ name: 'homeostat_last_decision_timestamp_seconds', help: 'h', labelNames: ['policy', 'action'], registers });
  const phases = new Histogram({ name: 'homeostat_loop_phase_duration_seconds', help: 'h', labelNames: ['phase'], buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600], registers });
  const invocations = new Counter({ name: 'homeostat_effector_invocations_total', help: 'h', labelNames: ['effector', 'result'], registers });
  const seconds = new Histogram({ name: 'homeostat_effector_duration_seconds', help: 'h', labelNames: ['effector', 'result'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300], registers });
  engine.decisions$.subscribe((d) => {
    const action = actionLabel(d);
    decisions.inc({ policy: d.policyName, action, outcome: d.outcome });
    last.set({ policy: d.policyName, action }, (d.lastAt ?? d.at) / 1000);
    phases.observe({ phase: 'analyze' }, d.durations.analyzeMs / 1000);
    phases.observe({ phase: 'plan' }, d.durations.planMs / 1000);
    if (d.outcome === 'applied' || d.outcome === 'failed') phases.observe({ phase: 'execute' }, d.durations.executeMs / 1000);
  });
  engine.invoker.records$.subscribe((r) => {
    invocations.inc({ effector: r.effector, result: r.outcome });
    seconds.observe({ effector: r.effector, result: r.outcome }, r.durationMs / 1000);
  });
}

/** The sample lines of one metric (HELP and TYPE apart, which the reference does not copy). */
async function samples(registry: Registry<RegistryContentType>, name: string): Promise<string[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await registry.getSingleMetricAsString(name)).split('\n').filter((line) => !line.startsWith('#'));
}

async function valuesOf(registry: Registry<RegistryContentType>, name: string) {
  return (await registry.getSingleMetric(name)?.get())?.values ?? [];
}

describe('HomeostatMetrics counts', () => {
  it('prints every sample line prom-client printed when it counted each decision itself', async () => {
    const { clock, web, engine, tree } = await engineFixture({ resizeMs: 300 });
    const registry = new Registry();
    const reference = new Registry();
    new HomeostatMetrics({ registry, engine, tree });
    referenceMetrics(engine, reference);
    engine.attach(web, followLoad, {}, { cooldownMs: 5_000 });
    engine.start();
    for (let s = 0; s < 60; s++) {
      // NaN is rejected by the sensor; a negative size fails the effector's params
      web.sensor('load').publish(s % 13 === 12 ? Number.NaN : s % 11 === 10 ? -1 : s);
      await clock.advanceBy(1_000);
      if (s === 30) await registry.metrics();
    }
    const text = await registry.metrics();
    expect(text).toContain('outcome="skipped_cooldown"');
    expect(text).toContain('homeostat_sensor_rejected_readings_total{sensor="load"} 4');
    for (const name of COUNTED.slice(0, 5)) expect(await samples(registry, name), name).toEqual(await samples(reference, name));
  });

  it('counts every decision once after many decisions, and a scrape resets nothing', async () => {
    const { clock, web, engine, tree, knowledge } = await engineFixture();
    const metrics = new HomeostatMetrics({ engine, tree });
    engine.attach(web, followLoad, {});
    engine.start();
    const total = (name: string) => valuesOf(metrics.registry, name).then((values) => values.reduce((sum, v) => sum + v.value, 0));
    for (let s = 1; s <= 5_000; s++) {
      web.sensor('load').publish(s);
      if (s % 500 === 0) {
        await clock.advanceBy(1_000);
        // scraped while counting: every scrape sees the count so far, never a reset
        expect(await total('homeostat_decisions_total')).toBe(s);
      }
    }
    await clock.settle();
    const decisions = await knowledge.queryDecisions({ limit: 10_000 });
    const plans = decisions.reduce((sum, d) => sum + (d.count ?? 1), 0);
    expect(plans).toBe(5_000);
    expect(await total('homeostat_decisions_total')).toBe(5_000);
    const phases = await valuesOf(metrics.registry, 'homeostat_loop_phase_duration_seconds');
    const count = (phase: string) => phases.find((v) => v.labels['phase'] === phase && (v as { metricName?: string }).metricName?.endsWith('_count'))?.value;
    expect(count('analyze')).toBe(5_000);
    expect(count('plan')).toBe(5_000);
    const applied = decisions.filter((d) => d.outcome === 'applied').length;
    expect(count('execute')).toBe(applied);
    expect(await total('homeostat_effector_invocations_total')).toBe(applied);
    const [last] = await valuesOf(metrics.registry, 'homeostat_last_decision_timestamp_seconds');
    expect(last).toEqual({ value: clock.now() / 1000 - 1, labels: { policy: 'follow-load', action: 'resize' } });
  });

  it('keeps two instances on two registries apart', async () => {
    const first = await engineFixture();
    const second = await engineFixture();
    const a = new HomeostatMetrics({ engine: first.engine, tree: first.tree });
    const b = new HomeostatMetrics({ engine: second.engine, tree: second.tree });
    expect(a.registry).not.toBe(b.registry);
    first.engine.attach(first.web, followLoad, {});
    second.engine.attach(second.web, followLoad, {});
    first.engine.start();
    second.engine.start();
    for (let s = 0; s < 7; s++) first.web.sensor('load').publish(s);
    second.web.sensor('load').publish(1);
    await first.clock.settle();
    await second.clock.settle();
    const count = async (m: HomeostatMetrics) => (await valuesOf(m.registry, 'homeostat_decisions_total')).reduce((sum, v) => sum + v.value, 0);
    expect(await count(a)).toBe(7);
    expect(await count(b)).toBe(1);
  });

  it('stops counting on close()', async () => {
    const { clock, web, engine, tree } = await engineFixture();
    const metrics = new HomeostatMetrics({ engine, tree });
    engine.attach(web, followLoad, {});
    engine.start();
    web.sensor('load').publish(1);
    web.sensor('load').publish(2);
    await clock.settle();
    // the metric objects, read after close() has taken them out of the registry
    const [decisions, invocations, rejected] = ['homeostat_decisions_total', 'homeostat_effector_invocations_total', 'homeostat_sensor_rejected_readings_total'].map((name) => metrics.registry.getSingleMetric(name));
    metrics.close();
    web.sensor('load').publish(3);
    web.sensor('load').publish(Number.NaN);
    await clock.settle();
    expect((await decisions?.get())?.values).toEqual([{ value: 2, labels: { policy: 'follow-load', action: 'resize', outcome: 'applied' } }]);
    expect((await invocations?.get())?.values).toEqual([{ value: 2, labels: { effector: 'resize', result: 'succeeded' } }]);
    expect((await rejected?.get())?.values).toEqual([]);
  });

  it('keeps the labels of untraced decisions on an OpenMetrics registry', async () => {
    const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const { clock, web, engine, tree } = await engineFixture();
    new HomeostatMetrics({ registry, engine, tree });
    engine.attach(web, followLoad, {});
    engine.start();
    web.sensor('load').publish(2);
    await clock.settle();
    const text = await registry.metrics();
    expect(text).toContain('homeostat_decisions_total{policy="follow-load",action="resize",outcome="applied"} 1\n');
    expect(text).not.toContain('# {traceId');
  });

  it('counts each policy fault under the policy that threw, and each rejected reading under its sensor', async () => {
    const { clock, web, engine, tree } = await engineFixture();
    // throws on every reading of 3: the engine restarts it after a backoff
    const fragile = definePolicy({
      name: 'fragile',
      config: z.object({}),
      monitor: ({ entity }) => entity.sensor<number>('load').readings$,
      analyze: (source) => source.pipe(map((o) => { if (o.value === 3) throw new Error('cannot analyze 3'); return { kind: 'load', inputs: [o] }; })),
      plan: () => ({ actions: [], reason: 'hold' }),
    });
    const metrics = new HomeostatMetrics({ engine, tree });
    const faults: string[] = [];
    engine.faults$.subscribe((f) => faults.push(f.policy));
    engine.attach(web, fragile, {});
    engine.attach(web, followLoad, {});
    engine.start();
    for (let s = 0; s < 40; s++) {
      web.sensor('load').publish(s % 7 === 6 ? Number.NaN : s % 4);
      await clock.advanceBy(60_000);
    }
    const text = await metrics.registry.metrics();
    expect(faults.length).toBeGreaterThan(1);
    expect(text).toContain(`homeostat_policy_faults_total{policy="fragile"} ${faults.length}\n`);
    expect(text).not.toContain('homeostat_policy_faults_total{policy="follow-load"}');
    expect(text).toContain('homeostat_sensor_rejected_readings_total{sensor="load"} 5\n');
  });
});

describe('HomeostatMetrics after close()', () => {
  it('lets go of the tree and the engine (the host keeps the registry) and leaves no series of them in it', async () => {
    // a forced collection, to see what the registry still holds
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const registry = new Registry();
    const held = await (async () => {
      const { clock, web, engine, tree } = await engineFixture();
      const metrics = new HomeostatMetrics({ registry, engine, tree });
      engine.attach(web, followLoad, {});
      engine.start();
      web.sensor('load').publish(1);
      await clock.settle();
      expect(await registry.getSingleMetricAsString('homeostat_entities')).toContain('homeostat_entities{type="cluster",state="created"} 1');
      metrics.close();
      await engine.stop();
      return { tree: new WeakRef(tree), engine: new WeakRef(engine) };
    })();
    // (no deref() before a collection: it keeps its target alive until the end of the job)
    for (let i = 0; i < 5; i++) {
      collectGarbage();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(held.tree.deref()).toBeUndefined();
    expect(held.engine.deref()).toBeUndefined();
    const text = await registry.metrics();
    expect(text).not.toContain('homeostat_entities{');
    expect(text).not.toContain('homeostat_policies{');
    expect(text).not.toContain('homeostat_decisions_total');
  });
});

describe('HomeostatMetrics close() on a shared registry', () => {
  const NAMES = [...COUNTED, 'homeostat_policy_faults_total', 'homeostat_entities', 'homeostat_stale_sensors', 'homeostat_policies'];

  it('takes out of the registry every metric it registered, and only those', async () => {
    const registry = new Registry();
    const hosts = new Counter({ name: 'host_requests_total', help: 'the host app\'s own', registers: [registry] });
    hosts.inc(3);
    const { engine, tree } = await engineFixture();
    const metrics = new HomeostatMetrics({ registry, engine, tree });
    for (const name of NAMES) expect(registry.getSingleMetric(name), name).toBeDefined();
    metrics.close();
    for (const name of NAMES) expect(registry.getSingleMetric(name), name).toBeUndefined();
    expect(registry.getSingleMetric('host_requests_total')).toBe(hosts);
    expect(await registry.metrics()).toContain('host_requests_total 3\n');
    // a second close finds nothing more to take out
    metrics.close();
    expect(registry.getSingleMetric('host_requests_total')).toBe(hosts);
  });

  it('lets a second instance register on the same registry and count only its own decisions', async () => {
    const registry = new Registry();
    const first = await engineFixture();
    const a = new HomeostatMetrics({ registry, engine: first.engine, tree: first.tree });
    first.engine.attach(first.web, followLoad, {});
    first.engine.start();
    for (let s = 0; s < 4; s++) {
      first.web.sensor('load').publish(s + 1);
      await first.clock.settle();
    }
    expect(await registry.metrics()).toContain('homeostat_decisions_total{policy="follow-load",action="resize",outcome="applied"} 4\n');
    a.close();
    await first.engine.stop();
    const second = await engineFixture();
    new HomeostatMetrics({ registry, engine: second.engine, tree: second.tree });
    second.engine.attach(second.web, followLoad, {});
    second.engine.start();
    second.web.sensor('load').publish(1);
    await second.clock.settle();
    const text = await registry.metrics();
    expect(text).toContain('homeostat_decisions_total{policy="follow-load",action="resize",outcome="applied"} 1\n');
    expect(text.match(/^# TYPE homeostat_decisions_total /gm)).toHaveLength(1);
  });

  it('takes out what it registered on an OpenMetrics registry (whose counters are named without _total)', async () => {
    const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const { engine, tree } = await engineFixture();
    new HomeostatMetrics({ registry, engine, tree }).close();
    expect(registry.getMetricsAsArray()).toEqual([]);
    expect(() => new HomeostatMetrics({ registry, engine, tree })).not.toThrow();
  });
});

describe('HomeostatMetrics in a cluster of workers', () => {
  it("aggregates the last decision's timestamp as the latest of the workers' (a sum is no time)", async () => {
    const workers = [await engineFixture(), await engineFixture()];
    const registries = workers.map(({ engine, tree }) => new HomeostatMetrics({ engine, tree }).registry);
    for (const [i, { clock, web, engine }] of workers.entries()) {
      engine.attach(web, followLoad, {});
      engine.start();
      await clock.advanceBy(1_000 * (i + 1));
      web.sensor('load').publish(1);
      await clock.settle();
    }
    const aggregated = AggregatorRegistry.aggregate(await Promise.all(registries.map((r) => r.getMetricsAsJSON())));
    const [latest] = (await aggregated.getSingleMetric('homeostat_last_decision_timestamp_seconds')?.get())?.values ?? [];
    expect(latest?.value).toBe(Math.max(...workers.map(({ clock }) => clock.now() / 1000)));
    // the counts add up
    const [applied] = (await aggregated.getSingleMetric('homeostat_decisions_total')?.get())?.values ?? [];
    expect(applied?.value).toBe(2);
  });
});
