import fc from 'fast-check';
import { Subscription, merge } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../../src/core/entity-tree.js';
import type { Entity } from '../../../src/core/entity.js';
import { SERVICE_STATES, type ServiceState } from '../../../src/core/lifecycle.js';
import { hasQuorum, type QuorumRule } from '../../../src/core/quorum.js';
import { booleanSensor } from '../../../src/sensors/define-sensor.js';
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
  | { readonly op: 'add'; readonly staleable: boolean }
  | { readonly op: 'remove' | 'join' | 'leave'; readonly source: number }
  | { readonly op: 'up'; readonly source: number; readonly up: boolean }
  | { readonly op: 'state'; readonly source: number; readonly state: ServiceState }
  | { readonly op: 'parent'; readonly state: ServiceState }
  | { readonly op: 'wait'; readonly ms: number };

const state = fc.constantFrom(...SERVICE_STATES);
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('add' as const), staleable: fc.boolean() }), weight: 3 },
  fc.record({ op: fc.constantFrom('remove' as const, 'join' as const, 'leave' as const), source: fc.nat(12) }),
  { arbitrary: fc.record({ op: fc.constant('up' as const), source: fc.nat(12), up: fc.boolean() }), weight: 4 },
  fc.record({ op: fc.constant('state' as const), source: fc.nat(12), state }),
  fc.record({ op: fc.constant('parent' as const), state }),
  fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 1500 }) }),
);
const rule: fc.Arbitrary<QuorumRule> = fc.oneof(
  fc.constant({ rule: 'all' as const }),
  fc.constant({ rule: 'atLeastOne' as const }),
  fc.integer({ min: 1, max: 4 }).map((n) => ({ rule: 'atLeast' as const, n })),
  fc.double({ min: 0.1, max: 1, noNaN: true }).map((value) => ({ rule: 'fraction' as const, value })),
);

/** Plays `steps` on a fresh tree whose group runs `enricher`; returns every reading the group published. */
function play(enricher: (from: SourceSet) => Enricher, from: SourceSet, steps: readonly Step[]): string[] {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const root = tree.add({ id: 'root', type: 'application' });
  const group = tree.add({ id: 'group', type: 'group' }, root);
  const published: string[] = [];
  merge(group.sensor('service.up').readings$, group.sensor('service.state').readings$).subscribe((o) => published.push(`${o.at} ${o.sensor}=${String(o.value)}`));
  enricher(from).start(group, { tree, scheduler: clock });
  const made: Entity[] = [];
  const live = (i: number): Entity | undefined => {
    const e = made[i % Math.max(1, made.length)];
    return e && tree.find(e.id) === e ? e : undefined;
  };
  for (const s of steps) {
    if (s.op === 'add') {
      const sensors = s.staleable ? [booleanSensor('service.up', { staleAfterMs: 1000 })] : [];
      const source = tree.add({ id: `s${made.length}`, type: 'server', sensors }, from === 'children' ? group : root);
      made.push(source);
      if (from === 'members') tree.addMember(group, source);
    } else if (s.op === 'wait') clock.frame += s.ms;
    else if (s.op === 'parent') group.setState(s.state);
    else {
      const source = live(s.source);
      if (!source) continue;
      if (s.op === 'remove') tree.remove(source);
      else if (s.op === 'join' && from === 'members') tree.addMember(group, source);
      else if (s.op === 'leave' && from === 'members') tree.removeMember(group, source);
      else if (s.op === 'up') source.setUp(s.up);
      else if (s.op === 'state') source.setState(s.state);
    }
  }
  return published;
}

describe('quorumUp counting sources one at a time', () => {
  it('publishes what reading every source after each change published, over random histories', () => {
    fc.assert(
      fc.property(fc.constantFrom<SourceSet>('children', 'members'), rule, fc.array(step, { minLength: 1, maxLength: 80 }), (from, r, steps) => {
        const counted = play((f) => quorumUp({ from: f, rule: r }), from, steps);
        const scanned = play((f) => scanningQuorumUp(f, r), from, steps);
        expect(counted).toEqual(scanned);
      }),
      { numRuns: 400 },
    );
  });

  it('counts a source once, follows its readings and forgets it when it leaves', () => {
    const tree = new EntityTree(new VirtualClock());
    const a = tree.add({ id: 'a', type: 'server' });
    const b = tree.add({ id: 'b', type: 'server' }, a);
    const tally = new UpTally();
    a.setUp(true);
    tally.add(a);
    tally.add(a);
    tally.add(b);
    expect([tally.size, tally.healthy, tally.exact]).toEqual([2, 1, true]);
    b.setUp(true);
    tally.refresh(b);
    a.setUp(false);
    tally.refresh(a);
    expect(tally.healthy).toBe(1);
    tally.delete(b);
    tally.delete(b);
    expect([tally.size, tally.healthy]).toEqual([1, 0]);
  });

  it('is not exact while a source has a staleness bound on its health', () => {
    const tree = new EntityTree(new VirtualClock());
    const stale = tree.add({ id: 'a', type: 'server', sensors: [booleanSensor('service.up', { staleAfterMs: 10 })] });
    const tally = new UpTally();
    tally.add(stale);
    expect(tally.exact).toBe(false);
    tally.delete(stale);
    expect(tally.exact).toBe(true);
  });
});
