import { Counter, Gauge, Registry, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TalliedCounter, TalliedGauge } from '../../../src/telemetry/tally/tallied-values.js';

function registryOf(contentType: RegistryContentType): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(contentType);
  return registry;
}

describe('TalliedCounter and TalliedGauge', () => {
  it('print what prom-client prints for the same counts and values, in both formats', async () => {
    for (const contentType of [Registry.PROMETHEUS_CONTENT_TYPE, Registry.OPENMETRICS_CONTENT_TYPE] as const) {
      const own = registryOf(contentType);
      const tallied = registryOf(contentType);
      const counter = { name: 'jobs_total', help: 'Jobs by queue and result.', labelNames: ['queue', 'result'] as const };
      const gauge = { name: 'jobs_last_timestamp_seconds', help: 'When a queue last ran a job.', labelNames: ['queue'] as const };
      const ownCounter = new Counter({ ...counter, labelNames: [...counter.labelNames], registers: [own] });
      const ownGauge = new Gauge({ ...gauge, labelNames: [...gauge.labelNames], registers: [own] });
      const talliedCounter = new TalliedCounter({ ...counter, registers: [tallied] });
      const talliedGauge = new TalliedGauge({ ...gauge, registers: [tallied] });
      // series made at first use, as HomeostatMetrics makes them (the exposition lists them in that order)
      const failed = talliedCounter.series({ queue: 'mail', result: 'fail"ed\n' });
      const done = talliedCounter.series({ queue: 'mail', result: 'done' });
      const last = talliedGauge.series({ queue: 'mail' });
      for (let i = 0; i < 25; i++) {
        const result = i % 4 === 0 ? 'fail"ed\n' : 'done';
        ownCounter.inc({ queue: 'mail', result });
        (result === 'done' ? done : failed).add(1);
        ownGauge.set({ queue: 'mail' }, i * 1.5);
        last.set(i * 1.5);
      }
      expect(await tallied.metrics()).toBe(await own.metrics());
      expect(await tallied.getMetricsAsJSON()).toEqual(await own.getMetricsAsJSON());
    }
  });

  it('keep the latest trace id per label set as its exemplar, with value 1, as prom-client does', async () => {
    const registry = registryOf(Registry.OPENMETRICS_CONTENT_TYPE);
    const counter = new TalliedCounter({ name: 'jobs_total', help: 'Jobs.', labelNames: ['queue'], registers: [registry], enableExemplars: true });
    const mail = counter.series({ queue: 'mail' });
    const sms = counter.series({ queue: 'sms' });
    mail.add(1);
    mail.exemplify('a'.repeat(32));
    mail.add(1);
    mail.exemplify('b'.repeat(32));
    sms.add(1);
    const text = await registry.metrics();
    expect(text).toMatch(new RegExp(`jobs_total\\{queue="mail"\\} 2 # \\{traceId="${'b'.repeat(32)}"\\} 1 \\d+(\\.\\d+)?\\n`));
    // a series counted without a trace id has no exemplar
    expect(text).toContain('jobs_total{queue="sms"} 1\n');
    expect(text).not.toContain('a'.repeat(32));
  });

  it('show a series once written; a reset zeroes and hides every series until written again', async () => {
    const registry = new Registry();
    const counter = new TalliedCounter({ name: 'jobs_total', help: 'Jobs.', labelNames: ['queue'], registers: [registry] });
    const mail = counter.series({ queue: 'mail' });
    expect((await counter.get()).values).toEqual([]);
    mail.add(0);
    expect((await counter.get()).values).toEqual([{ value: 0, labels: { queue: 'mail' } }]);
    mail.add(3);
    registry.resetMetrics();
    expect((await counter.get()).values).toEqual([]);
    mail.add(1);
    expect((await counter.get()).values).toEqual([{ value: 1, labels: { queue: 'mail' } }]);
  });
});

describe('prom-client updates on a tallied metric', () => {
  it('are refused, naming the metric and the method, instead of being lost from every scrape', async () => {
    const registry = new Registry();
    const counter = new TalliedCounter({ name: 'jobs_total', help: 'Jobs.', labelNames: ['queue'], registers: [registry] });
    const gauge = new TalliedGauge({ name: 'jobs_last_timestamp_seconds', help: 'Last job.', labelNames: ['queue'], registers: [registry] });
    const refused = (method: string) => new RegExp(`^[a-z_]+: .*${method}\\(\\)`);
    expect(() => counter.inc({ queue: 'mail' })).toThrow(refused('inc'));
    expect(() => counter.labels('mail')).toThrow(refused('labels'));
    expect(() => (counter as unknown as { incWithoutExemplar: (labels: object, value: number) => void }).incWithoutExemplar({ queue: 'mail' }, 1)).toThrow(refused('incWithoutExemplar'));
    expect(() => counter.remove('mail')).toThrow(refused('remove'));
    expect(() => gauge.set({ queue: 'mail' }, 3)).toThrow(refused('set'));
    expect(() => gauge.inc({ queue: 'mail' })).toThrow(refused('inc'));
    expect(() => gauge.dec({ queue: 'mail' })).toThrow(refused('dec'));
    expect(() => gauge.setToCurrentTime({ queue: 'mail' })).toThrow(refused('setToCurrentTime'));
    expect(() => gauge.startTimer({ queue: 'mail' })).toThrow(refused('startTimer'));
    expect(() => gauge.labels('mail')).toThrow(refused('labels'));
    expect(() => gauge.remove('mail')).toThrow(refused('remove'));
    expect(() => counter.inc()).toThrow('jobs_total: counted by its owner from its own events');
    // the owner's series still count, and a reset still works
    counter.series({ queue: 'mail' }).add(2);
    expect(await registry.metrics()).toContain('jobs_total{queue="mail"} 2\n');
    registry.resetMetrics();
    expect((await counter.get()).values).toEqual([]);
  });
});
