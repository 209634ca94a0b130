import { Histogram, Registry, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TalliedHistogram } from '../../../src/telemetry/tally/tallied-histogram.js';

const BOUNDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];
// below the first bound, on bounds, between them, above the last, zero and negative
const VALUES = [0, -1, 0.0005, 0.001, 0.001, 0.003, 0.005, 0.0050001, 0.02, 0.1, 0.7, 1, 4.99, 5, 5.0001, 120, 0.04, 0.04];

/** prom-client's own histogram and the tallied one, fed the same observations on two registries. */
function twins(contentType: RegistryContentType = Registry.PROMETHEUS_CONTENT_TYPE) {
  const ownRegistry = registryOf(contentType);
  const talliedRegistry = registryOf(contentType);
  const config = { name: 'probe_duration_seconds', help: 'Probe durations.', labelNames: ['probe', 'result'] as const, buckets: BOUNDS };
  const own = new Histogram({ ...config, labelNames: [...config.labelNames], registers: [ownRegistry] });
  const tallied = new TalliedHistogram({ ...config, registers: [talliedRegistry] });
  // series made at first use, as HomeostatMetrics makes them (the exposition lists them in that order)
  const series = new Map<string, ReturnType<typeof tallied.series>>();
  const observe = (value: number, result: 'ok' | 'failed') => {
    own.observe({ probe: 'http', result }, value);
    let s = series.get(result);
    if (!s) series.set(result, (s = tallied.series({ probe: 'http', result })));
    s.observe(value);
  };
  return { ownRegistry, talliedRegistry, own, tallied, observe };
}

function registryOf(contentType: RegistryContentType): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(contentType);
  return registry;
}

describe('TalliedHistogram', () => {
  it('prints the same _bucket, _sum and _count lines as prom-client for the same observations', async () => {
    for (const contentType of [Registry.PROMETHEUS_CONTENT_TYPE, Registry.OPENMETRICS_CONTENT_TYPE] as const) {
      const { ownRegistry, talliedRegistry, observe } = twins(contentType);
      VALUES.forEach((v, i) => observe(v, i % 3 === 0 ? 'failed' : 'ok'));
      const text = await talliedRegistry.metrics();
      expect(text).toBe(await ownRegistry.metrics());
      expect(await talliedRegistry.getMetricsAsJSON()).toEqual(await ownRegistry.getMetricsAsJSON());
    }
  });

  it('counts each observation in the first bucket whose bound holds it, cumulatively', async () => {
    const { tallied, talliedRegistry } = twins();
    const series = tallied.series({ probe: 'tcp', result: 'ok' });
    for (const v of [0.001, 0.001, 0.0011, 5, 6]) series.observe(v);
    expect([...series.counts]).toEqual([2, 1, 0, 0, 0, 0, 0, 1, 1]);
    const text = await talliedRegistry.metrics();
    expect(text).toContain('probe_duration_seconds_bucket{le="0.001",probe="tcp",result="ok"} 2\n');
    expect(text).toContain('probe_duration_seconds_bucket{le="0.005",probe="tcp",result="ok"} 3\n');
    expect(text).toContain('probe_duration_seconds_bucket{le="5",probe="tcp",result="ok"} 4\n');
    expect(text).toContain('probe_duration_seconds_bucket{le="+Inf",probe="tcp",result="ok"} 5\n');
    expect(text).toContain('probe_duration_seconds_count{probe="tcp",result="ok"} 5');
    // one line per bound and one for +Inf, for the one series observed
    expect(text.split('\n').filter((l) => l.startsWith('probe_duration_seconds_bucket{')).length).toBe(BOUNDS.length + 1);
  });

  it('shows a series from its first observation; a reset zeroes and hides it; reading does not reset it', async () => {
    const { tallied, talliedRegistry } = twins();
    const series = tallied.series({ probe: 'dns', result: 'ok' });
    expect(await talliedRegistry.metrics()).not.toContain('probe="dns"');
    series.observe(0.02);
    await talliedRegistry.metrics();
    series.observe(0.02);
    expect(await talliedRegistry.metrics()).toContain('probe_duration_seconds_count{probe="dns",result="ok"} 2');
    talliedRegistry.resetMetrics();
    expect(await talliedRegistry.metrics()).not.toContain('probe="dns"');
    series.observe(0.3);
    expect(await talliedRegistry.metrics()).toContain('probe_duration_seconds_count{probe="dns",result="ok"} 1');
  });

  it('says which metric and what is wrong for bad labels, bounds and values', () => {
    const { tallied } = twins();
    expect(() => tallied.series({ probe: 'http' } as never)).toThrow('probe_duration_seconds: label "result" must be a string, got nothing');
    expect(() => tallied.series({ probe: 'http', result: 'ok', host: 'a' } as never)).toThrow('probe_duration_seconds: unknown label "host" (labels: probe, result)');
    expect(() => tallied.series({ probe: 'http', result: 'ok' }).observe(Number.NaN)).toThrow('probe_duration_seconds: observed value is not a finite number: NaN');
    expect(() => new TalliedHistogram({ name: 'bad_seconds', help: 'h', labelNames: [], buckets: [1, 0.5], registers: [new Registry()] })).toThrow('bad_seconds: bucket bounds must be finite and increasing, got 1, 0.5');
  });

  it('leaves the registry as it was when its bounds are refused (the corrected metric registers)', () => {
    const registry = new Registry();
    expect(() => new TalliedHistogram({ name: 'wait_seconds', help: 'h', labelNames: [], buckets: [0.1, Number.POSITIVE_INFINITY], registers: [registry] })).toThrow('wait_seconds: bucket bounds must be finite and increasing');
    expect(registry.getSingleMetric('wait_seconds')).toBeUndefined();
    expect(() => new TalliedHistogram({ name: 'wait_seconds', help: 'h', labelNames: [], buckets: [0.1, 1], registers: [registry] })).not.toThrow();
  });
});

describe('prom-client updates on a TalliedHistogram', () => {
  it('are refused, naming the metric and the method, instead of being lost from every scrape', () => {
    const { tallied } = twins();
    const refused = (method: string) => new RegExp(`^probe_duration_seconds: .*${method}\\(\\)`);
    expect(() => tallied.observe({ probe: 'http', result: 'ok' }, 0.2)).toThrow(refused('observe'));
    expect(() => tallied.startTimer({ probe: 'http', result: 'ok' })).toThrow(refused('startTimer'));
    expect(() => (tallied as unknown as { observeWithoutExemplar: (labels: object, value: number) => void }).observeWithoutExemplar({ probe: 'http', result: 'ok' }, 0.2)).toThrow(refused('observeWithoutExemplar'));
    expect(() => tallied.labels('http', 'ok')).toThrow(refused('labels'));
    expect(() => tallied.zero({ probe: 'http', result: 'ok' })).toThrow(refused('zero'));
    expect(() => tallied.remove('http', 'ok')).toThrow(refused('remove'));
  });
});
