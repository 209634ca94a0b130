import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/knowledge/decision.js';
import { HomeostatMetrics } from '../../src/telemetry/metrics.js';
import { engineFixture, followLoad } from '../core/engine/fixture.js';

beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] }));
});
afterAll(() => {
  trace.disable();
});

/** The exemplar's trace id on the decision counter's line for `outcome`, or undefined. */
function exemplarOf(text: string, outcome: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`homeostat_decisions_total{policy="follow-load",action="resize",outcome="${outcome}"}`));
  return line?.match(/ # \{traceId="([0-9a-f]{32})"\} 1 \d+(\.\d+)?$/)?.[1];
}

describe('decision exemplars', () => {
  it('shows the latest trace id of each label set, scrape after scrape', async () => {
    const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const { clock, web, engine, tree } = await engineFixture();
    new HomeostatMetrics({ registry, engine, tree });
    const emitted: Decision[] = [];
    engine.decisions$.subscribe((d) => emitted.push(d));
    engine.attach(web, followLoad, {}, { cooldownMs: 10_000 });
    engine.start();
    const latest = (outcome: string) => emitted.filter((d) => d.outcome === outcome).at(-1)?.traceId;
    for (let s = 0; s < 3; s++) {
      web.sensor('load').publish(s);
      await clock.advanceBy(1_000);
    }
    const first = await registry.metrics();
    expect(latest('applied')).toMatch(/^[0-9a-f]{32}$/);
    expect(exemplarOf(first, 'applied')).toBe(latest('applied'));
    expect(exemplarOf(first, 'skipped_cooldown')).toBe(latest('skipped_cooldown'));
    expect(latest('skipped_cooldown')).not.toBe(latest('applied'));
    // read again: the exemplars and counts stay
    expect(await registry.metrics()).toBe(first);
    web.sensor('load').publish(9);
    await clock.advanceBy(1_000);
    const second = await registry.metrics();
    expect(exemplarOf(second, 'skipped_cooldown')).toBe(latest('skipped_cooldown'));
    expect(exemplarOf(second, 'skipped_cooldown')).not.toBe(exemplarOf(first, 'skipped_cooldown'));
    expect(exemplarOf(second, 'applied')).toBe(exemplarOf(first, 'applied'));
    expect(second).toContain('homeostat_decisions_total{policy="follow-load",action="resize",outcome="skipped_cooldown"} 3 #');
  });
});
