import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/knowledge/decision.js';
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
  const decisions: Decision[] = [];
  engine.decisions$.subscribe((d) => decisions.push(d));
  return { engine, clock, web, dimmerNow, knowledge, decisions };
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

  it('records a refused Decision naming the stale utilization when it holds a raise, one record for a run of them', async () => {
    const { engine, clock, web, knowledge, decisions } = setup({}, 0.5);
    web.sensor('utilization').publish(0.1);
    await clock.advanceBy(200_000); // the utilization is stale now
    for (let period = 0; period < 3; period++) {
      web.sensor('response.time').publish(0.1 + period * 0.01);
      await clock.advanceBy(60_000);
    }
    const held = decisions.filter((d) => d.outcome === 'refused');
    expect(held).toHaveLength(3);
    expect(held[0]?.symptom.kind).toBe('hold');
    expect(held[0]?.reason).toContain('utilization is stale');
    expect(held[0]?.reason).toContain('raise the dimmer');
    expect(held[0]?.actions).toEqual([]);
    expect(held[0]?.inputs.map((i) => i.sensor)).toContain('response.time');
    await knowledge.flush();
    const stored = (await knowledge.queryDecisions({})).filter((d) => d.outcome === 'refused');
    expect(stored).toHaveLength(1); // coalesced: the same hold three periods running
    expect(stored[0]?.count).toBe(3);
    await engine.stop();
  });

  it('says the restore is held, not a raise, while the overload steps are still to give back', async () => {
    const { engine, clock, web, decisions } = setup({ overload: { responseTime: 0.75, step: 0.5, release: 'restore' } }, 1);
    web.sensor('utilization').publish(1);
    web.sensor('response.time').publish(5);
    await clock.advanceBy(200_000);
    web.sensor('response.time').publish(0.1);
    await clock.advanceBy(60_000);
    const held = decisions.filter((d) => d.outcome === 'refused');
    expect(held.map((d) => d.reason)).toEqual([expect.stringContaining('give back what the overload steps took')]);
    await engine.stop();
  });

  it('records a hold naming a dimmer outside 0..1 or a size never read when the response time asks for a step', async () => {
    const { engine, clock, web, decisions } = setup({}, 1.5, 3); // at its maximum: a slow group would be lowered
    web.sensor('utilization').publish(1);
    web.sensor('response.time').publish(5);
    await clock.advanceBy(60_000);
    expect(decisions.map((d) => [d.outcome, d.reason])).toEqual([['refused', expect.stringContaining('dimmer is outside 0..1')]]);
    expect(decisions[0]?.reason).toContain('above 0.4 s');
    await engine.stop();

    const clock2 = new VirtualClock();
    const tree = new EntityTree(clock2);
    const group = tree.add({ id: 'web', type: 'cluster', sensors: ['response.time', 'group.size', 'dimmer'].map((n) => numberSensor(n)), effectors: [defineEffector({ name: 'setDimmer', params: z.object({ value: z.number() }), run: () => undefined })] });
    const engine2 = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), clock2), scheduler: clock2 });
    engine2.attach(group, brownout, { maxSize: 3, high: { responseTime: 0.4 }, low: { responseTime: 0.2 } });
    const seen: Decision[] = [];
    engine2.decisions$.subscribe((d) => seen.push(d));
    engine2.start();
    group.sensor('dimmer').publish(0.5);
    group.sensor('response.time').publish(0.1);
    await clock2.advanceBy(60_000);
    expect(seen.map((d) => [d.outcome, d.reason])).toEqual([['refused', expect.stringContaining('group.size has no reading')]]);
    await engine2.stop();
  });

  it('records nothing for missing data while the response time is between its thresholds (nothing would be done)', async () => {
    const { engine, clock, web, decisions } = setup({}, 1.5);
    web.sensor('utilization').publish(0.7);
    web.sensor('response.time').publish(0.3);
    await clock.advanceBy(60_000);
    expect(decisions).toEqual([]);
    await engine.stop();
  });

  it('records a stale dimmer hold as refused, naming it, not as a plan rejected for stale inputs', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const group = tree.add({ id: 'web', type: 'cluster', sensors: ['response.time', 'utilization', 'group.size', 'dimmer'].map((n) => numberSensor(n, { staleAfterMs: 150_000 })), effectors: [defineEffector({ name: 'setDimmer', params: z.object({ value: z.number() }), run: () => undefined })] });
    const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), clock), scheduler: clock });
    engine.attach(group, brownout, { utilizationSensor: 'utilization', maxSize: 3, high: { responseTime: 0.4 }, low: { responseTime: 0.2 } });
    const seen: Decision[] = [];
    engine.decisions$.subscribe((d) => seen.push(d));
    engine.start();
    group.sensor('dimmer').publish(0.5);
    await clock.advanceBy(200_000); // the dimmer is stale now
    group.sensor('group.size').publish(3);
    group.sensor('utilization').publish(0.95);
    group.sensor('response.time').publish(5); // at its maximum and slow: the brownout would lower
    await clock.advanceBy(60_000);
    expect(seen.map((d) => [d.outcome, d.reason])).toEqual([['refused', expect.stringContaining('dimmer is stale')]]);
    await engine.stop();
  });

  it('records no hold where the brownout would not act even with a usable dimmer', async () => {
    const { engine, clock, web, decisions } = setup({}, 1.5, 1);
    web.sensor('servers.booting').publish(0);
    web.sensor('utilization').publish(0.7);
    web.sensor('response.time').publish(0.5); // slow, but the group can grow: the autoscaler's turn, not a step
    await clock.advanceBy(60_000);
    web.sensor('group.size').publish(3);
    web.sensor('utilization').publish(0.3);
    web.sensor('response.time').publish(0.5); // slow at its maximum, but the members were idle: drained
    await clock.advanceBy(60_000);
    web.sensor('utilization').publish(0.7);
    web.sensor('response.time').publish(0.1); // fast, but no spare capacity: no raise
    await clock.advanceBy(60_000);
    expect(decisions.map((d) => d.reason)).toEqual([]);
    await engine.stop();
  });

  it('records a hold when a hot utilization alone would lower the dimmer (response time between its thresholds)', async () => {
    const { engine, clock, web, decisions } = setup({}, 1.5, 3);
    web.sensor('utilization').publish(0.95);
    web.sensor('response.time').publish(0.3);
    await clock.advanceBy(60_000);
    expect(decisions.map((d) => [d.outcome, d.reason])).toEqual([['refused', expect.stringContaining('dimmer is outside 0..1')]]);
    await engine.stop();
  });
});
