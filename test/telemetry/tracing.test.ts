import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineFixture, followLoad } from '../core/engine/fixture.js';

const exporter = new InMemorySpanExporter();
beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => {
  trace.disable();
});

describe('OpenTelemetry traces', () => {
  it('records one span per loop iteration with children per phase and per effector invocation', async () => {
    exporter.reset();
    const { clock, web, engine, knowledge } = await engineFixture();
    engine.attach(web, followLoad, {});
    engine.start();
    web.sensor('load').publish(3);
    await clock.settle();
    const spans = exporter.getFinishedSpans();
    const byName = (name: string) => spans.filter((s) => s.name === name);
    const [loop] = byName('homeostat.loop');
    expect(loop).toBeDefined();
    const loopId = loop?.spanContext().spanId;
    for (const phase of ['homeostat.analyze', 'homeostat.plan', 'homeostat.execute']) {
      expect(byName(phase)[0]?.parentSpanContext?.spanId, phase).toBe(loopId);
    }
    const [effector] = byName('homeostat.effector');
    expect(effector?.parentSpanContext?.spanId).toBe(byName('homeostat.execute')[0]?.spanContext().spanId);
    expect(effector?.attributes).toMatchObject({ 'homeostat.entity': 'web', 'homeostat.effector': 'resize', 'homeostat.caller': 'policy:web/follow-load', 'homeostat.attempts': 1 });
    expect(loop?.attributes).toMatchObject({ 'homeostat.policy': 'web/follow-load', 'homeostat.symptom': 'load', 'homeostat.outcome': 'applied' });
    for (const span of spans) expect(span.spanContext().traceId).toBe(loop?.spanContext().traceId);
    const [decision] = await knowledge.queryDecisions({});
    expect(decision?.traceId).toBe(loop?.spanContext().traceId);
  });
});

describe('metrics exemplars', () => {
  it('puts the trace id on the decision counter as an exemplar when the registry speaks OpenMetrics', async () => {
    const { Registry } = await import('prom-client');
    const { HomeostatMetrics } = await import('../../src/telemetry/metrics.js');
    const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const { clock, web, engine, tree, knowledge } = await engineFixture();
    new HomeostatMetrics({ registry, engine, tree });
    engine.attach(web, followLoad, {});
    engine.start();
    web.sensor('load').publish(2);
    await clock.settle();
    const [decision] = await knowledge.queryDecisions({});
    expect(decision?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(await registry.metrics()).toContain(`# {traceId="${decision?.traceId}"} 1`);
  });
});
