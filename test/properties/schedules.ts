import fc from 'fast-check';
import { faultFlag, shellWord, type FaultEvent } from '../../src/sim/fault-schedule.js';
import { generatedTarget, treeShapes, writeTarget, type Profile, type Target } from './targets.js';

/** One property case: a blueprint and the faults and operations injected into it. */
export interface Case {
  readonly target: Target;
  readonly events: readonly FaultEvent[];
}

/** The trace every run replays (only simulated SWIM systems read it; the others need one to be named). */
export const TRACE = 'examples/traces/wc_day53-r0-105m-l70.delta';

/**
 * Random faults and operations for a profile, within the first two thirds of a run (so the loops have time
 * to react before it ends): failures, recoveries, flaps (a failure and its recovery), lag changes, fences
 * that fail, site loss and return, partitions of databases (lasting, or healed after a while: long enough for
 * a failover to be tried, sometimes past its retries), rolling updates and restarts, resizes and switchovers.
 */
export function schedules(profile: Profile, durationSeconds: number): fc.Arbitrary<FaultEvent[]> {
  const at = fc.integer({ min: 0, max: Math.floor((durationSeconds * 2) / 3) });
  const pick = (ids: readonly string[]) => fc.constantFrom(...ids);
  const one: Array<fc.Arbitrary<FaultEvent[]>> = [
    fc.record({ entity: pick(profile.failable), at }).map((e) => [{ kind: 'fail' as const, ...e }]),
    fc.record({ entity: pick(profile.failable), at }).map((e) => [{ kind: 'recover' as const, ...e }]),
    fc.record({ entity: pick(profile.failable), at, down: fc.integer({ min: 5, max: 90 }) }).map(({ entity, at: t, down }) => [
      { kind: 'fail' as const, entity, at: t },
      { kind: 'recover' as const, entity, at: t + down },
    ]),
  ];
  if (profile.sites.length > 0) {
    // a site lost and back after a while: long enough for DR to start, sometimes to finish
    one.push(fc.record({ entity: pick(profile.sites), at, down: fc.integer({ min: 20, max: 300 }) }).map(({ entity, at: t, down }) => [
      { kind: 'fail' as const, entity, at: t },
      { kind: 'recover' as const, entity, at: t + down },
    ]));
  }
  if (profile.replicas.length > 0) {
    one.push(fc.record({ entity: pick(profile.replicas), at, seconds: fc.constantFrom(0, 1, 4, 10, 60) }).map((e) => [{ kind: 'lag' as const, ...e }]));
  }
  if (profile.fenceable.length > 0) one.push(fc.record({ entity: pick(profile.fenceable), at }).map((e) => [{ kind: 'fence-fails' as const, ...e }]));
  if (profile.partitionable.length > 0) {
    one.push(fc.record({ entity: pick(profile.partitionable), at }).map((e) => [{ kind: 'partition' as const, ...e }]));
    one.push(fc.record({ entity: pick(profile.partitionable), at, cut: fc.integer({ min: 5, max: 200 }) }).map(({ entity, at: t, cut }) => [
      { kind: 'partition' as const, entity, at: t },
      { kind: 'heal' as const, entity, at: t + cut },
    ]));
  }
  if (profile.clusters.length > 0) {
    const op = fc.oneof(
      fc.constant({ effector: 'rollingUpdate', params: { version: '2' } }),
      fc.constant({ effector: 'rollingRestart', params: {} }),
      fc.integer({ min: 1, max: 4 }).map((size) => ({ effector: 'resize', params: { size } })),
    );
    one.push(fc.record({ entity: pick(profile.clusters), at, op }).map(({ entity, at: t, op: o }) => [{ kind: 'invoke' as const, entity, at: t, ...o }]));
  }
  for (const group of profile.dbGroups) {
    one.push(fc.record({ to: pick(group.dbs), at }).map(({ to, at: t }) => [{ kind: 'invoke' as const, entity: group.id, at: t, effector: 'switchover', params: { to } }]));
  }
  return fc.array(fc.oneof(...one), { maxLength: 6 }).map((groups) => groups.flat());
}

/** Cases over the example blueprints and generated trees. */
export function cases(examples: readonly Target[]): fc.Arbitrary<Case> {
  const onExamples = examples.map((target) => schedules(target.profile, target.durationSeconds).map((events): Case => ({ target, events })));
  const onTrees = treeShapes.chain((shape) => {
    const target = generatedTarget(shape);
    return schedules(target.profile, target.durationSeconds).map((events): Case => ({ target, events }));
  });
  return fc.oneof(...onExamples.map((arbitrary) => ({ arbitrary, weight: 1 })), { arbitrary: onTrees, weight: onExamples.length });
}

/** The command line that replays a case and prints its JSON report (which shows two primaries, if any). */
export function commandLine(c: Case): string {
  writeTarget(c.target);
  const words = ['homeostat', 'simulate', c.target.file, '--trace', TRACE, '--duration', String(c.target.durationSeconds), ...cliOrder(c.events).flatMap(faultFlag), '--json'];
  return words.map(shellWord).join(' ');
}

const KIND_ORDER: ReadonlyArray<FaultEvent['kind']> = ['fail', 'recover', 'lag', 'fence-fails', 'partition', 'heal', 'invoke'];

/** Events in the order `simulate` reads its flags (by kind, then as given), so a printed line replays the same run. */
export function cliOrder(events: readonly FaultEvent[]): FaultEvent[] {
  return KIND_ORDER.flatMap((kind) => events.filter((e) => e.kind === kind));
}
