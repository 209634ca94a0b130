import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { brownout } from '../../src/policies/brownout.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** A group with a dimmer whose utilization goes stale 150 s after its last reading. */
function setup(config: Record<string, unknown>, dimmer: number, size = 1) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [...['response.time', 'utilization', 'servers.booting'].map((n) => numberSensor(n, { staleAfterMs: 150_000 })), numberSensor('group.size'), numberSensor('dimmer')],
    effectors: [defineEffector({ name: 'setDimmer', params: z.object({ value: z.number() }), run: ({ value }, { entity }) => void entity.sensor('dimmer').publish(value) })],
  });
  web.sensor('group.size').publish(size);
  web.sensor('dimmer').publish(dimmer);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, brownout, { utilizationSensor: 'utilization', bootingSensor: 'servers.booting', maxSize: 3, high: { responseTime: 0.4 }, low: { responseTime: 0.2, utilization: 0.6 }, ...config });
  engine.start();
  const dimmerNow = (): number => web.sensor<number>('dimmer').value as number;
  return { engine, clock, web, dimmerNow };
}

describe('brownout: missing and out-of-range readings', () => {
  it('does not raise on a fast response time while its utilization sensor is stale (spare capacity unknown)', async () => {
    const { engine, clock, web, dimmerNow } = setup({}, 0.5);
    web.sensor('utilization').publish(0.1);
    await clock.advanceBy(200_000); // the utilization is stale now
    web.sensor('response.time').publish(0.1);
    await clock.advanceBy(60_000);
    expect(dimmerNow()).toBe(0.5);
    // a fresh utilization reading brings the raise back
    web.sensor('utilization').publish(0.1);
    web.sensor('response.time').publish(0.1);
    await clock.advanceBy(60_000);
    expect(dimmerNow()).toBe(0.75);
    await engine.stop();
  });

  it('does not restore after an overload while its utilization sensor is stale, and restores once it is read', async () => {
    const { engine, clock, web, dimmerNow } = setup({ overload: { responseTime: 0.75, step: 0.5, release: 'restore' } }, 1);
    web.sensor('utilization').publish(1);
    web.sensor('response.time').publish(5);
    await clock.advanceBy(60_000);
    expect(dimmerNow()).toBe(0.5);
    await clock.advanceBy(200_000); // the utilization is stale now
    web.sensor('response.time').publish(0.1);
    await clock.advanceBy(60_000);
    expect(dimmerNow()).toBe(0.5);
    web.sensor('utilization').publish(0.3);
    web.sensor('response.time').publish(0.1);
    await clock.advanceBy(60_000);
    expect(dimmerNow()).toBe(1);
    await engine.stop();
  });

  it('never sets the dimmer above 1, nor acts on a dimmer reading outside 0..1', async () => {
    const { engine, clock, web, dimmerNow } = setup({ overload: { responseTime: 0.75, step: 0.5, release: 'restore' } }, 1.5);
    web.sensor('utilization').publish(1);
    web.sensor('response.time').publish(5);
    await clock.advanceBy(60_000);
    expect(dimmerNow()).toBe(1.5); // a dimmer of 1.5 is a bad reading: nothing is decided from it
    web.sensor('dimmer').publish(-0.5);
    web.sensor('utilization').publish(0.1);
    web.sensor('response.time').publish(0.1);
    await clock.advanceBy(60_000);
    expect(dimmerNow()).toBe(-0.5);
    await engine.stop();
  });

  it('leaves a dimmer someone else changed after the overload cut to the raise rule instead of restoring over it', async () => {
    const { engine, clock, web, dimmerNow } = setup({ overload: { responseTime: 0.75, step: 0.5, release: 'restore' } }, 1);
    web.sensor('utilization').publish(1);
    web.sensor('response.time').publish(5);
    await clock.advanceBy(60_000);
    expect(dimmerNow()).toBe(0.5);
    web.sensor('dimmer').publish(0.25); // an operator (or another policy) lowers it further
    web.sensor('utilization').publish(0.3);
    web.sensor('response.time').publish(0.1);
    await clock.advanceBy(60_000);
    expect(dimmerNow()).toBe(0.5); // one raise step, not back to the 1 before the overload
    await engine.stop();
  });

  it('gives back what the overload steps took after a restart of the service (the bookkeeping is policy state)', async () => {
    const store = new MemoryStore();
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const web = tree.add({
      id: 'web', type: 'cluster',
      sensors: [...['response.time', 'utilization', 'servers.booting'].map((n) => numberSensor(n, { staleAfterMs: 150_000 })), numberSensor('group.size'), numberSensor('dimmer')],
      effectors: [defineEffector({ name: 'setDimmer', params: z.object({ value: z.number() }), run: ({ value }, { entity }) => void entity.sensor('dimmer').publish(value) })],
    });
    web.sensor('group.size').publish(1);
    web.sensor('dimmer').publish(1);
    const config = { utilizationSensor: 'utilization', maxSize: 3, high: { responseTime: 0.4 }, low: { responseTime: 0.2, utilization: 0.6 }, overload: { responseTime: 0.75, step: 0.5, release: 'restore' } };
    const first = new Knowledge(store, clock);
    const engine = new Engine({ tree, knowledge: first, scheduler: clock });
    engine.attach(web, brownout, config);
    engine.start();
    web.sensor('utilization').publish(1);
    web.sensor('response.time').publish(5);
    await clock.advanceBy(60_000);
    expect(web.sensor<number>('dimmer').value).toBe(0.5);
    await engine.stop();
    await first.close();
    const second = new Knowledge(store, clock);
    await second.open();
    const restarted = new Engine({ tree, knowledge: second, scheduler: clock });
    restarted.attach(web, brownout, config);
    restarted.start();
    web.sensor('utilization').publish(0.3);
    web.sensor('response.time').publish(0.1);
    await clock.advanceBy(60_000);
    expect(web.sensor<number>('dimmer').value).toBe(1); // restored, not one raise step to 0.75
    await restarted.stop();
  });
});

