import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { UNTRACED_LOOP, loopTracing, startLoopTrace } from '../../src/telemetry/tracing.js';

afterAll(() => {
  trace.disable();
});

describe('loop traces without an SDK', () => {
  it('makes nothing per iteration until an SDK is registered, then records the loop span with its attributes', () => {
    let asked = 0;
    const attributes = () => {
      asked += 1;
      return { 'homeostat.policy': 'web/follow-load' };
    };
    expect(loopTracing()).toBe(false);
    const untraced = startLoopTrace(attributes, 3);
    expect(untraced).toBe(UNTRACED_LOOP);
    expect(untraced.recording).toBe(false);
    expect(untraced.span.isRecording()).toBe(false);
    untraced.span.setAttribute('homeostat.outcome', 'applied');
    untraced.span.end();
    expect(asked).toBe(0);

    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    expect(loopTracing()).toBe(true);
    const traced = startLoopTrace(attributes, 3);
    expect(traced.recording).toBe(true);
    traced.span.end();
    expect(asked).toBe(1);
    const names = exporter.getFinishedSpans().map((s) => s.name);
    expect(names).toEqual(['homeostat.analyze', 'homeostat.loop']);
  });
});
