import fc from 'fast-check';
import { Subscription, merge } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { Entity } from '../../../src/core/entity.js';
import { SERVICE_STATES, type ServiceState } from '../../../src/core/lifecycle.js';
import { hasQuorum, type QuorumRule } from '../../../src/core/quorum.js';
import { booleanSensor } from '../../../src/sensors/define-sensor.js';
import { Sensor } from '../../../src/sensors/sensor.js';
import type { Enricher } from '../../../src/sensors/enrichers/enricher.js';
import { quorumUp } from '../../../src/sensors/enrichers/quorum-up.js';
import { followSources, sourcesOf, type SourceSet } from '../../../src/sensors/enrichers/sources.js';
import { UpTally } from '../../../src/sensors/enrichers/up-tally.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

/** The quorum enricher as it was before the tally: every source read again after each change (the reference). */
function scanningQuorumUp(from: SourceSet, rule: QuorumRule): Enricher {
  return {
    description: 'reference',
    publishes: ['service.up', 'service.state'],
    start(entity, { tree }) {
      const recompute = (): void => {
        const up = hasQuorum(rule, sourcesOf(entity, from).map((e) => e.sensor<boolean>('service.up').value));
        const state = entity.state;
        if (state === 'stopping' || state === 'stopped') return;
        if (entity.sensor<boolean>('service.up').current?.value !== up) entity.setUp(up);
        const next: ServiceState | undefined = up ? 'running' : state === 'running' ? 'on-fire' : undefined;
        if (next && next !== state) entity.setState(next);
      };
      const subscription = followSources(tree, entity, from, (s) => merge(s.sensor('service.up').readings$, s.sensor('service.state').readings$).subscribe(recompute), recompute);
      recompute();
      return subscription ?? new Subscription();
    },
  };
}

/** One step of a random history of a group and its sources. */
type Step =
  | { readonly op: 'add'; readonly bound: number | undefined }
  | { readonly op: 'remove' | 'join' | 'leave'; readonly source: number }
  | { readonly op: 'up'; readonly source: number; readonly up: boolean }
  | { readonly op: 'upAt'; readonly source: number; readonly up: boolean; readonly offset: number }
  | { readonly op: 'state'; readonly source: number; readonly state: ServiceState }
  | { readonly op: 'parent'; readonly state: ServiceState }
  | { readonly op: 'wait'; readonly ms: number }
  /** The clock steps back (a wall clock set back by NTP or by hand): health stale before may be fresh again. */
  | { readonly op: 'back'; readonly ms: number };

const state = fc.constantFrom(...SERVICE_STATES);
/** Staleness bounds of a source's health: none, whole and fractional milliseconds, zero. */
const bound = fc.constantFrom(undefined, undefined, 1000, 1000, 999.9, 0.1, 0);
/** Times: whole and fractional, some exactly on a bound, some far off. */
const oddMs = fc.oneof(fc.integer({ min: 0, max: 1500 }), fc.double({ min: 0, max: 1500, noNaN: true }), fc.constantFrom(1000, 999.9, 0.1, 1e-9, 3e6));
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('add' as const), bound }), weight: 3 },
  fc.record({ op: fc.constantFrom('remove' as const, 'join' as const, 'leave' as const), source: fc.nat(12) }),
  { arbitrary: fc.record({ op: fc.constant('up' as const), source: fc.nat(12), up: fc.boolean() }), weight: 4 },
  {
    // readings published with an explicit time, older or newer than the clock (late delivery, replay)
    arbitrary: fc.record({ op: fc.constant('upAt' as const), source: fc.nat(12), up: fc.boolean(), offset: fc.oneof(oddMs, oddMs.map((ms) => -ms)) }),
    weight: 2,
  },
  fc.record({ op: fc.constant('state' as const), source: fc.nat(12), state }),
  fc.record({ op: fc.constant('parent' as const), state }),
  { arbitrary: fc.record({ op: fc.constant('wait' as const), ms: oddMs }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('back' as const), ms: oddMs }), weight: 2 },
);
const rule: fc.Arbitrary<QuorumRule> = fc.oneof(
  fc.constant({ rule: 'all' as const }),
  fc.constant({ rule: 'atLeastOne' as const }),
  fc.integer({ min: 1, max: 4 }).map((n) => ({ rule: 'atLeast' as const, n })),
  fc.double({ min: 0.1, max: 1, noNaN: true }).map((value) => ({ rule: 'fraction' as const, value })),
);

/** A group in a fresh tree, and how to play steps on its sources. */
function world(from: SourceSet): { clock: VirtualClock; tree: EntityTree; group: Entity; play: (s: Step) => void } {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const root = tree.add({ id: 'root', type: 'application' });
  const group = tree.add({ id: 'group', type: 'group' }, root);
  const made: Entity[] = [];
  const live = (i: number): Entity | undefined => {
    const e = made[i % Math.max(1, made.length)];
    return e && tree.find(e.id) === e ? e : undefined;
  };
  const play = (s: Step): void => {
    if (s.op === 'add') {
      const sensors = s.bound === undefined ? [] : [booleanSensor('service.up', { staleAfterMs: s.bound })];
      const source = tree.add({ id: `s${made.length}`, type: 'server', sensors }, from === 'children' ? group : root);
      made.push(source);
      if (from === 'members') tree.addMember(group, source);
    } else if (s.op === 'wait') clock.frame += s.ms;
    else if (s.op === 'back') clock.frame = Math.max(0, clock.frame - s.ms);
    else if (s.op === 'parent') group.setState(s.state);
    else {
      const source = live(s.source);
      if (!source) return;
      if (s.op === 'remove') tree.remove(source);
      else if (s.op === 'join' && from === 'members') tree.addMember(group, source);
      else if (s.op === 'leave' && from === 'members') tree.removeMember(group, source);
      else if (s.op === 'up') source.setUp(s.up);
      else if (s.op === 'upAt') source.sensor('service.up').publishAt(s.up, clock.now() + s.offset);
      else if (s.op === 'state') source.setState(s.state);
    }
  };
  return { clock, tree, group, play };
}

/** Plays `steps` on a fresh tree whose group runs `enricher`; returns every reading the group published. */
function play(enricher: (from: SourceSet) => Enricher, from: SourceSet, steps: readonly Step[]): string[] {
  const { clock, tree, group, play: playStep } = world(from);
  const published: string[] = [];
  merge(group.sensor('service.up').readings$, group.sensor('service.state').readings$).subscribe((o) => published.push(`${o.at} ${o.sensor}=${String(o.value)}`));
  enricher(from).start(group, { tree, scheduler: clock });
  for (const s of steps) playStep(s);
  return published;
}

describe('quorumUp counting sources one at a time', () => {
  it('publishes what reading every source after each change published, over random histories', () => {
    fc.assert(
      fc.property(fc.constantFrom<SourceSet>('children', 'members'), rule, fc.array(step, { minLength: 1, maxLength: 80, size: 'max' }), (from, r, steps) => {
        const counted = play((f) => quorumUp({ from: f, rule: r }), from, steps);
        const scanned = play((f) => scanningQuorumUp(f, r), from, steps);
        expect(counted).toEqual(scanned);
      }),
      { numRuns: 400 },
    );
  });

  it('counts as a full read of every source would, at every step, health bounds and their expiry included', () => {
    fc.assert(
      fc.property(fc.constantFrom<SourceSet>('children', 'members'), fc.array(step, { minLength: 1, maxLength: 120, size: 'max' }), (from, steps) => {
        const { clock, tree, group, play: playStep } = world(from);
        const tally = new UpTally(clock);
        // followed as quorumUp follows them: counted on joining, recounted on each reading, uncounted on leaving
        followSources(
          tree,
          group,
          from,
          (source) => {
            tally.add(source);
            const readings = source.sensor('service.up').readings$.subscribe(() => tally.refresh(source));
            readings.add(() => tally.delete(source));
            return readings;
          },
          () => undefined,
        );
        for (const s of steps) {
          playStep(s);
          const sources = sourcesOf(group, from);
          expect(tally.size).toBe(sources.length);
          expect(tally.healthy()).toBe(sources.filter((e) => e.sensor<boolean>('service.up').value === true).length);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('counts a source once, follows its readings and forgets it when it leaves', () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const a = tree.add({ id: 'a', type: 'server' });
    const b = tree.add({ id: 'b', type: 'server' }, a);
    const tally = new UpTally(clock);
    a.setUp(true);
    tally.add(a);
    tally.add(a);
    tally.add(b);
    expect([tally.size, tally.healthy()]).toEqual([2, 1]);
    b.setUp(true);
    tally.refresh(b);
    a.setUp(false);
    tally.refresh(a);
    expect(tally.healthy()).toBe(1);
    tally.delete(b);
    tally.delete(b);
    expect([tally.size, tally.healthy()]).toEqual([1, 0]);
  });

  it('counts bounded health as up through the last fresh instant and not after, without a reading', () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const a = tree.add({ id: 'a', type: 'server', sensors: [booleanSensor('service.up', { staleAfterMs: 10 })] });
    const tally = new UpTally(clock);
    tally.add(a);
    a.setUp(true);
    tally.refresh(a);
    clock.frame += 10;
    expect([a.sensor('service.up').value, tally.healthy()]).toEqual([true, 1]);
    // the first stale instant is the double just past at + bound
    clock.frame = a.sensor('service.up').staleAt;
    expect(clock.frame).toBeGreaterThan(10);
    expect([a.sensor('service.up').value, tally.healthy()]).toEqual([undefined, 0]);
    a.setUp(true);
    tally.refresh(a);
    expect(tally.healthy()).toBe(1);
  });

  it('reads O(1) sources per reading of a member whose health is bounded (a full read of 400 made it O(n))', () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const group = tree.add({ id: 'group', type: 'group' });
    const health = booleanSensor('service.up', { staleAfterMs: 30_000 });
    quorumUp({ from: 'children', rule: { rule: 'fraction', value: 0.5 } }).start(group, { tree, scheduler: clock });
    const members = Array.from({ length: 400 }, (_, i) => tree.add({ id: `m${i}`, type: 'server', sensors: [health] }, group));
    for (const member of members) member.setUp(true);
    const lookups = vi.spyOn(Entity.prototype, 'sensor');
    const reads = vi.spyOn(Sensor.prototype, 'value', 'get');
    try {
      clock.frame += 1000;
      for (const member of members) member.setUp(true);
      // per reading: the member's own `service.up` once, and the group's own sensors (not one per member)
      expect(lookups.mock.calls.length / members.length).toBeLessThanOrEqual(4);
      expect(reads.mock.calls.length / members.length).toBeLessThanOrEqual(2);
      expect(group.sensor('service.up').value).toBe(true);
      // one past the last fresh instant of every reading but the one member that reports again
      clock.frame += 30_001;
      members[0]?.setUp(true);
      expect(group.sensor('service.up').value).toBe(false);
    } finally {
      lookups.mockRestore();
      reads.mockRestore();
    }
  });
});
