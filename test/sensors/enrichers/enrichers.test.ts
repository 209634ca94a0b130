import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { booleanSensor, numberSensor } from '../../../src/sensors/define-sensor.js';
import { aggregate } from '../../../src/sensors/enrichers/aggregate.js';
import { percentiles } from '../../../src/sensors/enrichers/percentiles.js';
import { quorumUp } from '../../../src/sensors/enrichers/quorum-up.js';
import { rate } from '../../../src/sensors/enrichers/rate.js';
import { rollingMeanEnricher } from '../../../src/sensors/enrichers/rolling-mean.js';
import { transform } from '../../../src/sensors/enrichers/transform.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

function cluster(size: number) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({ id: 'web', type: 'cluster' });
  const addServer = (i: number) => {
    const server = tree.add({ id: `web-${i}`, type: 'server', sensors: [numberSensor('cpu', { staleAfterMs: 10_000 }), booleanSensor('ready')] }, web);
    tree.addMember(web, server);
    return server;
  };
  const servers = Array.from({ length: size }, (_, i) => addServer(i + 1));
  return { clock, tree, web, servers, addServer };
}

describe('aggregate', () => {
  it('follows members as they come and go', async () => {
    const { clock, tree, web, servers, addServer } = cluster(2);
    aggregate({ from: 'members', sensor: 'cpu', publish: 'cpu.mean', op: 'mean' }).start(web, { tree, scheduler: clock });
    servers[0]?.sensor('cpu').publish(0.2);
    servers[1]?.sensor('cpu').publish(0.6);
    await clock.settle();
    expect(web.sensor('cpu.mean').value).toBeCloseTo(0.4);
    const third = addServer(3);
    third.sensor('cpu').publish(1.0);
    await clock.settle();
    expect(web.sensor('cpu.mean').value).toBeCloseTo(0.6);
    tree.remove(third);
    await clock.settle();
    expect(web.sensor('cpu.mean').value).toBeCloseTo(0.4);
  });

  it('publishes once per round of readings taken in the same instant', async () => {
    const { clock, tree, web, servers } = cluster(3);
    aggregate({ from: 'members', sensor: 'cpu', publish: 'cpu.mean', op: 'mean' }).start(web, { tree, scheduler: clock });
    const published: number[] = [];
    web.sensor<number>('cpu.mean').readings$.subscribe((r) => published.push(r.value));
    servers.forEach((s) => s.sensor('cpu').publish(0.3));
    await clock.advanceBy(5000);
    servers.forEach((s) => s.sensor('cpu').publish(0.6));
    await clock.settle();
    expect(published).toEqual([0.3, 0.6]);
  });

  it('never reads missing or stale values as zero: a sum waits for every member', async () => {
    const { clock, tree, web, servers } = cluster(2);
    aggregate({ from: 'members', sensor: 'cpu', publish: 'cpu.total', op: 'sum' }).start(web, { tree, scheduler: clock });
    servers[0]?.sensor('cpu').publish(0.5);
    await clock.settle();
    expect(web.sensor('cpu.total').current).toBeUndefined();
    servers[1]?.sensor('cpu').publish(0.25);
    await clock.settle();
    expect(web.sensor('cpu.total').value).toBe(0.75);
    await clock.advanceBy(10_001); // server 1's reading goes stale
    servers[1]?.sensor('cpu').publish(0.5);
    await clock.settle();
    expect(web.sensor('cpu.total').current?.value).toBe(0.75); // not 0.5: nothing new was published
  });

  it('computes min, max, count and fraction up', async () => {
    const { clock, tree, web, servers } = cluster(3);
    for (const [op, publish] of [['min', 'cpu.min'], ['max', 'cpu.max'], ['count', 'cpu.count']] as const) {
      aggregate({ from: 'children', sensor: 'cpu', publish, op }).start(web, { tree, scheduler: clock });
    }
    aggregate({ from: 'members', sensor: 'ready', publish: 'ready.fraction', op: 'fractionUp' }).start(web, { tree, scheduler: clock });
    servers.forEach((s, i) => s.sensor('cpu').publish(i / 10));
    servers[0]?.sensor('ready').publish(true);
    await clock.settle();
    expect([web.sensor('cpu.min').value, web.sensor('cpu.max').value, web.sensor('cpu.count').value]).toEqual([0, 0.2, 3]);
    expect(web.sensor('ready.fraction').value).toBeCloseTo(1 / 3);
  });
});

describe('quorumUp', () => {
  it('computes the parent up-state and marks it on-fire when quorum is lost after running', () => {
    const { clock, tree, web, servers } = cluster(3);
    quorumUp({ from: 'members', rule: { rule: 'atLeast', n: 2 } }).start(web, { tree, scheduler: clock });
    expect(web.sensor('service.up').value).toBe(false);
    servers[0]?.setUp(true);
    servers[1]?.setUp(true);
    expect(web.sensor('service.up').value).toBe(true);
    expect(web.state).toBe('running');
    servers[1]?.setUp(false);
    expect(web.sensor('service.up').value).toBe(false);
    expect(web.state).toBe('on-fire');
  });

  it('leaves a stopping parent alone', () => {
    const { clock, tree, web, servers } = cluster(1);
    quorumUp({ from: 'members', rule: { rule: 'atLeastOne' } }).start(web, { tree, scheduler: clock });
    web.setState('stopping');
    servers[0]?.setUp(true);
    expect(web.state).toBe('stopping');
  });
});

describe('rate, transform, rolling mean, percentiles', () => {
  it('rate is the time-weighted delta of a counter, counting a reset from zero', async () => {
    const { clock, tree, servers } = cluster(1);
    const s = servers[0]!;
    s.addSensor(numberSensor('requests'));
    rate({ sensor: 'requests', publish: 'requests.rate' }).start(s, { tree, scheduler: clock });
    s.sensor('requests').publish(100);
    await clock.advanceBy(2000);
    s.sensor('requests').publish(300);
    expect(s.sensor('requests.rate').value).toBe(100);
    await clock.advanceBy(1000);
    s.sensor('requests').publish(50); // reset: 50 since
    expect(s.sensor('requests.rate').value).toBe(50);
  });

  it('transform maps readings', () => {
    const { clock, tree, servers } = cluster(1);
    const s = servers[0]!;
    transform({ sensor: 'cpu', publish: 'cpu.percent', fn: (v) => v * 100 }).start(s, { tree, scheduler: clock });
    s.sensor('cpu').publish(0.42);
    expect(s.sensor('cpu.percent').value).toBeCloseTo(42);
  });

  it('rolling mean publishes only once the window is covered, with its coverage', async () => {
    const { clock, tree, servers } = cluster(1);
    const s = servers[0]!;
    rollingMeanEnricher({ sensor: 'cpu', publish: 'cpu.avg', windowMs: 10_000 }).start(s, { tree, scheduler: clock });
    s.sensor('cpu').publish(1);
    await clock.advanceBy(5000);
    s.sensor('cpu').publish(0);
    expect(s.sensor('cpu.avg').current).toBeUndefined();
    expect(s.sensor('cpu.avg.coverage').value).toBe(0.5);
    await clock.advanceBy(3000);
    s.sensor('cpu').publish(0);
    expect(s.sensor('cpu.avg').value).toBeCloseTo(5 / 8);
  });

  it('percentiles over the window', async () => {
    const { clock, tree, servers } = cluster(1);
    const s = servers[0]!;
    percentiles({ sensor: 'cpu', publish: 'cpu', windowMs: 100_000 }).start(s, { tree, scheduler: clock });
    for (let i = 1; i <= 100; i++) {
      s.sensor('cpu').publish(i);
      await clock.advanceBy(100);
    }
    expect([s.sensor('cpu.p50').value, s.sensor('cpu.p90').value, s.sensor('cpu.p99').value]).toEqual([50, 90, 99]);
  });
});
