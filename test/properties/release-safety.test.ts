import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Entity } from '../../src/core/entity.js';
import type { Decision } from '../../src/knowledge/decision.js';
import { NON_ACTION_OUTCOMES } from '../../src/knowledge/decision.js';
import type { FaultEvent } from '../../src/sim/fault-schedule.js';
import { faultFlag, shellWord } from '../../src/sim/fault-schedule.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { readTrace, type ArrivalTrace } from '../../src/sim/trace.js';
import { cliOrder, TRACE } from './schedules.js';
import { blueprintOf, ROOT } from './targets.js';

/**
 * Safety of the release policy over random clusters, strategies (rolling, canary, blue-green) and fault
 * schedules, and of a person's `rollingRestart` of the same clusters, in virtual time (faults may hit the
 * members a blue-green release starts, too):
 * - bound: a rollout or restart never takes a serving member down while that leaves more than
 *   `maxUnavailable` down, and a blue-green release never switches to, or keeps only, a set with more than
 *   `maxUnavailable` down;
 * - quorum: a rollout or restart never takes a serving member down while that leaves the group below its
 *   quorum rule, and a blue-green release never switches to, or keeps only, a set below it;
 * - no re-promotion: once a release of a version failed, no member is moved to that version again (only a
 *   person, by changing the release's version, starts it again);
 * - no silent non-action: every decision not to act, and every plan the engine held, says why.
 */
const RUNS = Number(process.env['HOMEOSTAT_PROPERTY_RUNS'] ?? 150);
const SEED = Number(process.env['HOMEOSTAT_PROPERTY_SEED'] ?? 20_261_129);
const DURATION = 300;

/** A release strategy, or `rollingRestart`: no release, a person restarts the cluster once. */
type Strategy = 'rolling' | 'canary' | 'blueGreen' | 'rollingRestart';

interface Shape {
  readonly strategy: Strategy;
  /** `canary`: the steps' weights (percent, rising). */
  readonly weights: readonly number[];
  readonly members: number;
  readonly maxUnavailable: number;
  readonly quorum: number;
  readonly bootTime: number;
  readonly healthTimeout: number;
  readonly badVersion: boolean;
  /** `rollingRestart`: when the person invokes it (s). */
  readonly restartAt: number;
}

interface ReleaseCase {
  readonly shape: Shape;
  readonly events: readonly FaultEvent[];
}

const shapes: fc.Arbitrary<Shape> = fc
  .record({ strategy: fc.constantFrom<Strategy>('rolling', 'canary', 'blueGreen', 'rollingRestart'), weights: fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 3 }).map((w) => [...w].sort((a, b) => a - b)), members: fc.integer({ min: 2, max: 5 }), maxUnavailable: fc.integer({ min: 1, max: 3 }), quorum: fc.integer({ min: 1, max: 5 }), bootTime: fc.integer({ min: 2, max: 10 }), healthTimeout: fc.constantFrom(15, 30), badVersion: fc.boolean(), restartAt: fc.integer({ min: 0, max: 100 }) })
  .map((s) => ({ ...s, quorum: Math.min(s.quorum, s.members) }));

/**
 * Member failures, recoveries and flaps (a version that fails only sometimes), mostly while the release runs;
 * for blue-green, of the new set too (web-<members + 1>... are the members it starts).
 */
function faults(shape: Shape): fc.Arbitrary<FaultEvent[]> {
  const entity = fc.integer({ min: 1, max: shape.strategy === 'blueGreen' ? 2 * shape.members : shape.members }).map((i) => `web-${i}`);
  const at = fc.integer({ min: 0, max: 200 });
  const one = fc.oneof(
    fc.record({ entity, at }).map((e): FaultEvent[] => [{ kind: 'fail', ...e }]),
    fc.record({ entity, at }).map((e): FaultEvent[] => [{ kind: 'recover', ...e }]),
    fc.record({ entity, at, down: fc.integer({ min: 3, max: 60 }) }).map(({ entity: e, at: t, down }): FaultEvent[] => [
      { kind: 'fail', entity: e, at: t },
      { kind: 'recover', entity: e, at: t + down },
    ]),
  );
  return fc.array(one, { maxLength: 5 }).map((groups) => groups.flat());
}

const releaseCases: fc.Arbitrary<ReleaseCase> = shapes.chain((shape) => faults(shape).map((events) => ({ shape, events: shape.strategy === 'rollingRestart' ? [...events, restartOf(shape)] : events })));

/** The person's rolling restart of a `rollingRestart` shape. */
function restartOf(s: Shape): FaultEvent {
  return { kind: 'invoke', entity: 'web', effector: 'rollingRestart', params: { maxUnavailable: s.maxUnavailable, healthTimeout: s.healthTimeout * 1000 }, at: s.restartAt };
}

/** The release target of a shape, as a YAML flow mapping. */
function targetText(s: Shape): string {
  const common = `entity: web, maxUnavailable: ${s.maxUnavailable}, healthTimeout: ${s.healthTimeout}s`;
  switch (s.strategy) {
    case 'rolling':
      return `{ ${common} }`;
    case 'canary':
      return `{ ${common}, strategy: canary, steps: [${s.weights.map((w) => `{ weight: ${w}, pause: 20s }`).join(', ')}] }`;
    case 'blueGreen':
      return `{ ${common}, strategy: blueGreen, analysis: 20s, keepOldFor: 30s }`;
    case 'rollingRestart':
      return '';
  }
}

/** The release policy of a shape; none for a rolling restart. */
function policiesText(s: Shape): string {
  if (s.strategy === 'rollingRestart') return '';
  return `  policies:
    - use: release
      config:
        version: "2"
        evaluationInterval: 10s
        targets:
          - ${targetText(s)}
`;
}

function blueprintText(s: Shape): string {
  return `name: release-property
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: ${s.members} }
      quorum: { from: members, rule: atLeast, n: ${s.quorum} }
      memberSpec:
        type: sim.server
        config: { bootTime: ${s.bootTime}s${s.badVersion ? ', badVersion: "2"' : ''} }
${policiesText(s)}`;
}

function fileOf(text: string): string {
  return path.join(tmpdir(), 'homeostat-properties', `release-${createHash('sha1').update(text).digest('hex').slice(0, 12)}.yaml`);
}

/** The `homeostat simulate` line that replays a case (its blueprint written where the line names it). */
function commandLine(c: ReleaseCase): string {
  const text = blueprintText(c.shape);
  const file = fileOf(text);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return ['homeostat', 'simulate', file, '--trace', TRACE, '--duration', String(DURATION), ...cliOrder(c.events).flatMap(faultFlag), '--json'].map(shellWord).join(' ');
}

/** Runs one case as `simulate` would, and returns what broke each property. */
async function violations(c: ReleaseCase, trace: ArrivalTrace): Promise<{ bound: string[]; quorum: string[]; repromoted: string[]; silent: string[] }> {
  const text = blueprintText(c.shape);
  const blueprint = await blueprintOf({ file: fileOf(text), text });
  const bound: string[] = [];
  const quorum: string[] = [];
  const moves: Array<{ at: number; member: string; version: string }> = [];
  const decisions: Decision[] = [];
  await runSimulation(blueprint, {
    trace,
    durationSeconds: DURATION,
    faults: cliOrder(c.events),
    onDeploy: (d) => {
      d.engine.decisions$.subscribe((decision) => decisions.push(decision));
      /** Checks the bound and the quorum as `member` is taken down (`to 2`, `to restart`), while it still reads as it was. */
      const takenDown = (member: Entity, what: string): void => {
        const now = d.tree.scheduler.now();
        const web = d.tree.get('web');
        const othersDown = web.members.filter((m) => m !== member && m.sensor('service.up').value !== true).map((m) => m.id);
        const wasUp = member.sensor('service.up').value === true;
        if (wasUp && othersDown.length + 1 > c.shape.maxUnavailable) bound.push(`at ${now / 1000} s ${member.id} was taken down (${what}) while ${othersDown.join(', ')} ${othersDown.length === 1 ? 'was' : 'were'} down: ${othersDown.length + 1} > maxUnavailable ${c.shape.maxUnavailable}`);
        const othersUp = web.members.filter((m) => m !== member && m.state !== 'stopping' && m.state !== 'stopped' && m.sensor('service.up').value === true).length;
        if (wasUp && othersUp < c.shape.quorum) quorum.push(`at ${now / 1000} s ${member.id} was taken down (${what}) leaving ${othersUp} up: below the quorum of at least ${c.shape.quorum}`);
      };
      const watch = (member: Entity): void => {
        let first = true;
        member.sensor<string>('version').observations$.subscribe((o) => {
          if (first) return void (first = false);
          moves.push({ at: d.tree.scheduler.now(), member: member.id, version: o.value });
          // the update installs the version now and takes the member down for its boot
          takenDown(member, `to ${o.value}`);
        });
        // a restart boots the member again: starting, then down for its boot (nothing else restarts one here)
        if (c.shape.strategy === 'rollingRestart') member.sensor<string>('service.state').observations$.subscribe((o) => o.value === 'starting' && takenDown(member, 'to restart'));
      };
      // blue-green: the set that serves after the switch, and after the old set is retired, within the bound
      d.engine.decisions$.subscribe((decision) => {
        const kind = decision.symptom.kind;
        if (kind !== 'blueGreen.switched' && kind !== 'blueGreen.completed') return;
        const serving = d.tree.get('web').members.filter((m) => m.state !== 'stopping' && m.state !== 'stopped' && (kind === 'blueGreen.completed' || m.sensor('version').value === '2'));
        const down = serving.filter((m) => m.sensor('service.up').value !== true).map((m) => m.id);
        const now = d.tree.scheduler.now();
        if (down.length > c.shape.maxUnavailable) bound.push(`at ${now / 1000} s ${kind === 'blueGreen.switched' ? 'traffic was switched to' : 'the old set was retired, leaving'} ${serving.map((m) => m.id).join(', ')} with ${down.join(', ')} down: ${down.length} > maxUnavailable ${c.shape.maxUnavailable}`);
        if (serving.length - down.length < c.shape.quorum) quorum.push(`at ${now / 1000} s ${kind === 'blueGreen.switched' ? 'traffic was switched to' : 'the old set was retired, leaving'} ${serving.map((m) => m.id).join(', ')} with ${serving.length - down.length} up: below the quorum of at least ${c.shape.quorum}`);
      });
      d.tree.changes$.subscribe((change) => {
        if (change.kind === 'member-added' && change.entity.hasSensor('version')) watch(change.entity);
      });
    },
  });
  const failedAt = decisions.find((d) => d.policyName === 'release' && d.outcome === 'failed')?.at;
  const repromoted = failedAt === undefined ? [] : moves.filter((m) => m.at > failedAt && m.version === '2').map((m) => `at ${m.at / 1000} s ${m.member} moved to 2 again, after the release of 2 failed at ${failedAt / 1000} s`);
  const silent = decisions
    .filter((d) => (NON_ACTION_OUTCOMES as readonly string[]).includes(d.outcome) || d.outcome.startsWith('skipped') || d.outcome === 'rejected_stale' || d.outcome === 'preempted')
    .filter((d) => d.reason.trim() === '' && (d.detail ?? '').trim() === '')
    .map((d) => `at ${d.at / 1000} s ${d.policy} ${d.outcome} without a reason`);
  return { bound, quorum, repromoted, silent };
}

let trace: ArrivalTrace;
beforeAll(async () => {
  trace = await readTrace(path.join(ROOT, TRACE));
});

describe(`release safety over ${RUNS} random clusters and fault schedules`, () => {
  for (const property of ['bound', 'quorum', 'repromoted', 'silent'] as const) {
    it(`${property}: holds on every schedule, or prints the smallest one as a simulate command line`, async () => {
      const seen = new Map<string, string[]>();
      const details = await fc.check(
        fc.asyncProperty(releaseCases, async (c) => {
          const found = (await violations(c, trace))[property];
          seen.set(JSON.stringify(c), found);
          return found.length === 0;
        }),
        { numRuns: RUNS, seed: SEED },
      );
      const c = details.counterexample?.[0];
      if (c) throw new Error(`${property} fails; smallest schedule found:\n  ${commandLine(c)}\n${(seen.get(JSON.stringify(c)) ?? []).map((v) => `  - ${v}`).join('\n')}`);
      expect(details.numRuns).toBe(RUNS);
    }, 300_000);
  }
});
