import fc from 'fast-check';
import { Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../../src/core/entity-tree.js';
import type { Entity } from '../../../src/core/entity.js';
import { booleanSensor, numberSensor } from '../../../src/sensors/define-sensor.js';
import { aggregate, type AggregateOp } from '../../../src/sensors/enrichers/aggregate.js';
import { coalesce } from '../../../src/sensors/enrichers/coalesce.js';
import type { Enricher } from '../../../src/sensors/enrichers/enricher.js';
import { followSources, sourcesOf, type SourceSet } from '../../../src/sensors/enrichers/sources.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

interface Options {
  readonly from: SourceSet;
  readonly op: AggregateOp;
  readonly minCoverage: number | undefined;
}

/** The aggregate as it was before the tally: every source read again after each change (the reference). */
function scanningAggregate({ from, op, minCoverage = op === 'sum' ? 1 : 0 }: Options): Enricher {
  return {
    description: 'reference',
    publishes: ['out'],
    start(entity, { tree, scheduler }) {
      const target = entity.addSensor(numberSensor('out'));
      const recompute = coalesce(scheduler, () => {
        const sources = sourcesOf(entity, from);
        const values = sources.map((s) => (s.hasSensor('in') ? s.sensor('in').value : undefined)).filter((v) => v !== undefined);
        const numbers = values.filter((v): v is number => typeof v === 'number');
        let value: number | undefined;
        if (op === 'count') value = values.length;
        else if (op === 'fractionUp') value = sources.length === 0 ? undefined : values.filter((v) => v === true).length / sources.length;
        else if (sources.length === 0) value = op === 'sum' ? 0 : undefined;
        else if (numbers.length === 0 || numbers.length / sources.length < minCoverage) value = undefined;
        else if (op === 'sum') value = numbers.reduce((a, b) => a + b, 0);
        else if (op === 'mean') value = numbers.reduce((a, b) => a + b, 0) / numbers.length;
        else value = op === 'min' ? Math.min(...numbers) : Math.max(...numbers);
        if (value !== undefined) target.publish(value);
      });
      // a source that makes the sensor after it joined is followed from then on (held: its subscription)
      const sensorless = new Map<Entity, Subscription>();
      const unfollow = tree._followSensorCreation((owner, sensor) => {
        const held = sensor.name === 'in' ? sensorless.get(owner) : undefined;
        if (!held) return;
        sensorless.delete(owner);
        held.add(sensor.readings$.subscribe(recompute.trigger));
        recompute.trigger();
      });
      const subscription = followSources(
        tree,
        entity,
        from,
        (s) => {
          const held = new Subscription();
          if (s.hasSensor('in')) held.add(s.sensor('in').readings$.subscribe(recompute.trigger));
          else sensorless.set(s, held);
          held.add(() => sensorless.delete(s));
          return held;
        },
        recompute.trigger,
      );
      recompute.trigger();
      subscription.add(recompute.cancel);
      subscription.add(unfollow);
      return subscription;
    },
  };
}

/** One step of a random history of a group and its sources. */
type Step =
  | { readonly op: 'add'; readonly sensor: 'none' | 'fresh' | 'staleable' }
  | { readonly op: 'remove' | 'join' | 'leave'; readonly source: number }
  | { readonly op: 'gain'; readonly source: number; readonly staleable: boolean }
  | { readonly op: 'read'; readonly source: number; readonly value: number | boolean }
  | { readonly op: 'wait'; readonly ms: number }
  /** The clock steps back (a wall clock set back by NTP or by hand): readings stale before may be fresh again. */
  | { readonly op: 'back'; readonly ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('add' as const), sensor: fc.constantFrom('none' as const, 'fresh' as const, 'staleable' as const, 'staleable' as const) }), weight: 3 },
  fc.record({ op: fc.constantFrom('remove' as const, 'join' as const, 'leave' as const), source: fc.nat(12) }),
  fc.record({ op: fc.constant('gain' as const), source: fc.nat(12), staleable: fc.boolean() }),
  { arbitrary: fc.record({ op: fc.constant('read' as const), source: fc.nat(12), value: fc.oneof(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.integer({ min: -5, max: 5 }), fc.boolean()) }), weight: 6 },
  fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 1500 }) }),
  { arbitrary: fc.record({ op: fc.constant('back' as const), ms: fc.integer({ min: 1, max: 1500 }) }), weight: 2 },
);

/** Plays `steps` with `enricher` on the group; returns every value it published, with its time. */
function play(enricher: Enricher, from: SourceSet, boolean: boolean, steps: readonly Step[]): Array<[number, number]> {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const root = tree.add({ id: 'root', type: 'application' });
  const group = tree.add({ id: 'group', type: 'group' }, root);
  enricher.start(group, { tree, scheduler: clock });
  const published: Array<[number, number]> = [];
  group.sensor<number>('out').readings$.subscribe((o) => published.push([o.at, o.value]));
  const made: Entity[] = [];
  const live = (i: number): Entity | undefined => {
    const e = made[i % Math.max(1, made.length)];
    return e && tree.find(e.id) === e ? e : undefined;
  };
  for (const s of steps) {
    if (s.op === 'add') {
      const bound = s.sensor === 'staleable' ? { staleAfterMs: 1000 } : {};
      const sensors = s.sensor === 'none' ? [] : [boolean ? booleanSensor('in', bound) : numberSensor('in', bound)];
      const source = tree.add({ id: `s${made.length}`, type: 'server', sensors }, from === 'children' ? group : root);
      made.push(source);
      if (from === 'members') tree.addMember(group, source);
    } else if (s.op === 'wait') clock.frame += s.ms;
    else if (s.op === 'back') clock.frame = Math.max(0, clock.frame - s.ms);
    else {
      const source = live(s.source);
      if (!source) continue;
      if (s.op === 'remove') tree.remove(source);
      else if (s.op === 'gain') {
        // a source that had no sensor makes it (a member's own enricher or a push, after it joined)
        const bound = s.staleable ? { staleAfterMs: 1000 } : {};
        if (!source.hasSensor('in')) {
          if (boolean) source.addSensor(booleanSensor('in', bound));
          else source.addSensor(numberSensor('in', bound));
        }
      } else if (s.op === 'join' && from === 'members') tree.addMember(group, source);
      else if (s.op === 'leave' && from === 'members') tree.removeMember(group, source);
      else if (s.op === 'read' && source.hasSensor('in')) source.sensor('in').publish(boolean ? s.value === true || (typeof s.value === 'number' && s.value > 0) : typeof s.value === 'number' ? s.value : Number(s.value));
    }
    clock.flush();
  }
  return published;
}

/** Equal times, and values equal within rounding (a sum kept as it goes is not summed in the same order). */
function expectClose(actual: Array<[number, number]>, expected: Array<[number, number]>): void {
  expect(actual.map(([at]) => at)).toEqual(expected.map(([at]) => at));
  actual.forEach(([, value], i) => {
    const want = expected[i]?.[1] ?? Number.NaN;
    expect(Math.abs(value - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
  });
}

describe('aggregate tallying fresh values one source at a time', () => {
  const options: fc.Arbitrary<Options> = fc.record({
    from: fc.constantFrom<SourceSet>('children', 'members'),
    op: fc.constantFrom<AggregateOp>('sum', 'mean', 'min', 'max', 'count', 'fractionUp'),
    minCoverage: fc.constantFrom(undefined, 0, 0.5, 1),
  });

  it('publishes what reading every source after each change published, over random histories with staleness', () => {
    fc.assert(
      fc.property(options, fc.array(step, { minLength: 1, maxLength: 80, size: 'max' }), (o, steps) => {
        const boolean = o.op === 'fractionUp';
        const tallied = play(aggregate({ from: o.from, sensor: 'in', publish: 'out', op: o.op, ...(o.minCoverage === undefined ? {} : { minCoverage: o.minCoverage }) }), o.from, boolean, steps);
        expectClose(tallied, play(scanningAggregate(o), o.from, boolean, steps));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps min, max and the sum right over a long run of readings (dead marks dropped, the sum recomputed)', () => {
    const steps: Step[] = [...Array.from({ length: 5 }, () => ({ op: 'add' as const, sensor: 'staleable' as const }))];
    for (let i = 0; i < 2000; i++) steps.push({ op: 'read', source: i % 5, value: ((i * 7919) % 1000) / 7 - 50 }, { op: 'wait', ms: i % 3 === 0 ? 300 : 0 });
    for (const op of ['sum', 'min', 'max'] as const) {
      const o: Options = { from: 'children', op, minCoverage: 0 };
      expectClose(play(aggregate({ from: 'children', sensor: 'in', publish: 'out', op, minCoverage: 0 }), 'children', false, steps), play(scanningAggregate(o), 'children', false, steps));
    }
  });

  it('follows a member that makes the sensor after it joined, and reads nobody else to do it', () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const root = tree.add({ id: 'root', type: 'application' });
    const group = tree.add({ id: 'group', type: 'group' }, root);
    aggregate({ from: 'members', sensor: 'in', publish: 'out', op: 'sum' }).start(group, { tree, scheduler: clock });
    const members = Array.from({ length: 200 }, (_, i) => tree.add({ id: `m${i}`, type: 'server', sensors: [numberSensor('in')] }, root));
    for (const member of members) tree.addMember(group, member);
    const late = tree.add({ id: 'late', type: 'server' }, root);
    tree.addMember(group, late); // joins before it has the sensor
    for (const member of members) member.sensor<number>('in').publish(1);
    clock.flush();
    expect(group.sensor<number>('out').value).toBeUndefined(); // a sum needs every member (minCoverage 1)
    late.addSensor(numberSensor('in')).publish(5);
    clock.flush();
    expect(group.sensor<number>('out').value).toBe(205);
    // after that, one member's reading reads that member only, not all 201 (the tally is exact again)
    let reads = 0;
    for (const member of [...members, late]) {
      const sensor = member.sensor<number>('in');
      const value = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(sensor), 'value');
      Object.defineProperty(sensor, 'value', { get: () => (reads++, value?.get?.call(sensor)) });
    }
    late.sensor<number>('in').publish(6);
    clock.flush();
    expect(group.sensor<number>('out').value).toBe(206);
    expect(reads).toBeLessThanOrEqual(2);
  });
});
