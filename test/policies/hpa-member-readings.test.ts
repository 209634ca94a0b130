// HPA conformance for per-member readings (`readFrom: members`): cases taken from Kubernetes'
// pkg/controller/podautoscaler/replica_calculator_test.go, named after the Go test they come from. Each pod
// is a member with its own reading; a level is the reading (CPU: millicores over a 1-core request, so 300
// is 0.3). Kubernetes' pod states map to members: Running and Ready -> running and up; Ready false (or a
// "hot CPU" pod still initializing) -> running and not up; Pending -> starting; Failed or being deleted ->
// gone. CPU resource metrics leave unready members out and count missing ones at their whole request on a
// scale-down (`unreadyMembers: exclude`, `missingMembersAt: capacity`); Pods metrics count unready members
// like any other and missing ones at the target (`include`, `target`).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { memberReplicaCount, type MemberReading } from '../../src/planners/member-replica-count.js';
import { autoscaler } from '../../src/policies/autoscaler.js';
import { evaluate } from '../../src/policies/autoscaler/evaluate.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { clusterBlueprint, problemsOf } from '../blueprint/problems-of.js';

const NOW = 10_000_000;

type Pod = 'ready' | 'unready' | 'pending' | 'gone';

interface Row {
  readonly source: string;
  readonly current: number;
  /** One entry per pod; a pod without a level has no reading. */
  readonly pods: readonly Pod[];
  readonly levels: readonly number[];
  readonly target: number;
  readonly kind: 'cpu' | 'pods';
  readonly expected: number;
}

const ready = (n: number): Pod[] => Array.from({ length: n }, () => 'ready');

/** Pods metric rows give levels in milli-units (qps 20000 = 20); CPU rows in millicores of a 1-core request. */
const rows: Row[] = [
  { source: 'TestReplicaCalcScaleUp', current: 3, pods: ready(3), levels: [300, 500, 700], target: 300, kind: 'cpu', expected: 5 },
  { source: 'TestReplicaCalcScaleUpUnreadyLessScale', current: 3, pods: ['unready', 'ready', 'ready'], levels: [300, 500, 700], target: 300, kind: 'cpu', expected: 4 },
  { source: 'TestReplicaCalcScaleUpHotCpuLessScale', current: 3, pods: ['unready', 'ready', 'ready'], levels: [300, 500, 700], target: 300, kind: 'cpu', expected: 4 },
  { source: 'TestReplicaCalcScaleUpUnreadyNoScale', current: 3, pods: ['ready', 'unready', 'unready'], levels: [400, 500, 700], target: 300, kind: 'cpu', expected: 3 },
  { source: 'TestReplicaCalcScaleHotCpuNoScale', current: 3, pods: ['ready', 'unready', 'unready'], levels: [400, 500, 700], target: 300, kind: 'cpu', expected: 3 },
  { source: 'TestReplicaCalcScaleUpIgnoresFailedPods', current: 2, pods: ['ready', 'ready', 'gone', 'gone'], levels: [500, 700], target: 300, kind: 'cpu', expected: 4 },
  { source: 'TestReplicaCalcScaleUpIgnoresDeletionPods', current: 2, pods: ['ready', 'ready', 'gone', 'gone'], levels: [500, 700], target: 300, kind: 'cpu', expected: 4 },
  { source: 'TestReplicaCalcScaleUpCM', current: 3, pods: ready(3), levels: [20000, 10000, 30000], target: 15000, kind: 'pods', expected: 4 },
  { source: 'TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale', current: 3, pods: ['ready', 'ready', 'unready'], levels: [50000, 10000, 30000], target: 15000, kind: 'pods', expected: 6 },
  { source: 'TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown', current: 3, pods: ['unready', 'ready', 'unready'], levels: [50000, 15000, 30000], target: 15000, kind: 'pods', expected: 7 },
  { source: 'TestReplicaCalcScaleDown', current: 5, pods: ready(5), levels: [100, 300, 500, 250, 250], target: 500, kind: 'cpu', expected: 3 },
  { source: 'TestReplicaCalcScaleDownCM', current: 5, pods: ready(5), levels: [12000, 12000, 12000, 12000, 12000], target: 20000, kind: 'pods', expected: 3 },
  { source: 'TestReplicaCalcScaleDownIncludeUnreadyPods', current: 5, pods: ['ready', 'ready', 'ready', 'unready', 'unready'], levels: [100, 300, 500, 250, 250], target: 500, kind: 'cpu', expected: 2 },
  { source: 'TestReplicaCalcScaleDownExcludeUnscheduledPods', current: 5, pods: ['ready', 'pending', 'pending', 'pending', 'pending'], levels: [100], target: 500, kind: 'cpu', expected: 1 },
  { source: 'TestReplicaCalcScaleDownIgnoreHotCpuPods', current: 5, pods: ['ready', 'ready', 'ready', 'unready', 'unready'], levels: [100, 300, 500, 250, 250], target: 500, kind: 'cpu', expected: 2 },
  { source: 'TestReplicaCalcScaleDownIgnoresFailedPods', current: 5, pods: [...ready(5), 'gone', 'gone'], levels: [100, 300, 500, 250, 250], target: 500, kind: 'cpu', expected: 3 },
  { source: 'TestReplicaCalcScaleDownIgnoresDeletionPods', current: 5, pods: [...ready(5), 'gone', 'gone'], levels: [100, 300, 500, 250, 250], target: 500, kind: 'cpu', expected: 3 },
  { source: 'TestReplicaCalcToleranceCM', current: 3, pods: ready(3), levels: [20000, 21000, 21000], target: 20000, kind: 'pods', expected: 3 },
  { source: 'TestReplicaCalcMissingMetrics', current: 4, pods: ready(4), levels: [400, 95], target: 1000, kind: 'cpu', expected: 3 },
  { source: 'TestReplicaCalcMissingMetricsNoChangeEq', current: 2, pods: ready(2), levels: [1000], target: 1000, kind: 'cpu', expected: 2 },
  { source: 'TestReplicaCalcMissingMetricsNoChangeGt', current: 2, pods: ready(2), levels: [1900], target: 1000, kind: 'cpu', expected: 2 },
  { source: 'TestReplicaCalcMissingMetricsNoChangeLt', current: 2, pods: ready(2), levels: [600], target: 1000, kind: 'cpu', expected: 2 },
  { source: 'TestReplicaCalcMissingMetricsUnreadyChange', current: 3, pods: ['unready', 'ready', 'ready'], levels: [100, 450], target: 500, kind: 'cpu', expected: 3 },
  { source: 'TestReplicaCalcMissingMetricsHotCpuNoChange', current: 3, pods: ['unready', 'ready', 'ready'], levels: [100, 450], target: 500, kind: 'cpu', expected: 3 },
  { source: 'TestReplicaCalcMissingMetricsUnreadyScaleUp', current: 3, pods: ['unready', 'ready', 'ready'], levels: [100, 2000], target: 500, kind: 'cpu', expected: 4 },
  { source: 'TestReplicaCalcMissingMetricsHotCpuScaleUp', current: 3, pods: ['unready', 'ready', 'ready'], levels: [100, 2000], target: 500, kind: 'cpu', expected: 4 },
  { source: 'TestReplicaCalcMissingMetricsUnreadyScaleDown', current: 4, pods: ['unready', 'ready', 'ready', 'ready'], levels: [100, 100, 100], target: 500, kind: 'cpu', expected: 3 },
  // replica_calculator.go's rules that no Go test above isolates
  { source: 'calcPlainMetricReplicas: a missing pod counts at the target on a scale-down (Pods metric)', current: 4, pods: ['unready', 'ready', 'ready', 'ready'], levels: [100, 100, 100], target: 500, kind: 'pods', expected: 2 },
  { source: 'calcPlainMetricReplicas: a size that would move against the direction holds (more pods than replicas, as in a surge)', current: 2, pods: ready(4), levels: [400, 400, 400], target: 500, kind: 'pods', expected: 2 },
  { source: 'GetResourceReplicas: a missing pod counts at the target when it is above 100 % of the request', current: 2, pods: ready(2), levels: [300], target: 1500, kind: 'cpu', expected: 2 },
];

/** The readings of a row's pods: a CPU level in millicores of a 1-core request, a Pods level in milli-units. */
function readingsOf(row: Row): MemberReading[] {
  return row.pods.map((pod, i) => {
    const level = row.levels[i];
    const phase = pod === 'pending' ? 'pending' : pod === 'gone' ? 'gone' : 'running';
    return { member: `pod-${i}`, phase, ready: pod === 'ready', ...(level === undefined ? {} : { value: level / 1000 }) };
  });
}

function rulesOf(row: Row) {
  return row.kind === 'cpu' ? { unreadyMembers: 'exclude' as const, missingMembersAt: 'capacity' as const } : { unreadyMembers: 'include' as const, missingMembersAt: 'target' as const };
}

/** The row run through the autoscaler's evaluation, with no stabilization or rate limit in the way. */
function decide(row: Row): number {
  const readings = readingsOf(row);
  const config = autoscaler.config.parse({
    max: 100,
    metrics: [{ sensor: 'load', target: row.target / 1000, readFrom: 'members', ...rulesOf(row) }],
    scaleDown: { stabilization: 0 },
  });
  const observations = readings.flatMap((r) => (r.value === undefined ? [] : [{ entity: r.member, sensor: 'load', value: r.value, at: NOW }]));
  const result = evaluate({
    now: NOW,
    config,
    size: { entity: 'web', sensor: 'group.size', value: row.current, at: NOW },
    ready: undefined,
    metrics: [{ sensor: 'load', status: 'perMember', readings, observations }],
    history: [],
    events: [],
    failures: 0,
    capacityLimit: undefined,
    windows: [],
  });
  return result.proposal?.desired ?? row.current;
}

describe('HPA conformance with per-member readings (cases from replica_calculator_test.go)', () => {
  it.each(rows.map((row) => [row.source, row] as const))('%s', (_name, row) => {
    expect(decide(row)).toBe(row.expected);
  });

  it('says in the reason what the missing and unready members changed', () => {
    const row = rows.find((r) => r.source === 'TestReplicaCalcMissingMetricsUnreadyScaleUp') as Row;
    const result = memberReplicaCount({ current: row.current, readings: readingsOf(row), target: row.target / 1000, tolerance: 0.1, ...rulesOf(row) });
    expect(result?.note).toBe('1 without a reading counted at 0, 1 unready counted at 0: ratio 4 -> 1.333');
    expect(result?.desired).toBe(4);
  });

  it('has nothing to decide on when no member has a reading that counts', () => {
    const readings: MemberReading[] = [{ member: 'a', phase: 'running', ready: false, value: 0.9 }, { member: 'b', phase: 'pending', ready: false }];
    expect(memberReplicaCount({ current: 2, readings, target: 0.5, tolerance: 0.1, unreadyMembers: 'exclude', missingMembersAt: 'target' })).toBeUndefined();
  });
});

describe('autoscaler reading each member (readFrom: members) in the engine', () => {
  /** A cluster of `n` members with their own cpu sensor; resizes only record the size. */
  function setup(n: number, metric: Record<string, unknown> = {}, size = n) {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const resized: number[] = [];
    const web = tree.add({
      id: 'web', type: 'cluster', sensors: [numberSensor('group.size')],
      effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { resized.push(size); entity.sensor('group.size').publish(size); } })],
    });
    const members = Array.from({ length: n }, (_, i) => {
      const member = tree.add({ id: `web-${i}`, type: 'server', sensors: [numberSensor('cpu', { staleAfterMs: 60_000 })] }, web);
      tree.addMember(web, member);
      member.setState('running');
      member.setUp(true);
      return member;
    });
    web.sensor('group.size').publish(size);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const engine = new Engine({ tree, knowledge, scheduler: clock });
    engine.attach(web, autoscaler, { metrics: [{ sensor: 'cpu', target: 0.5, readFrom: 'members', ...metric }], max: 10, scaleDown: { stabilization: 0 }, evaluationInterval: '15s' });
    engine.start();
    return { clock, knowledge, members, resized };
  }

  it('counts a member without a reading at the target on a scale-down: 4 members at 0.1, 0.1, 0.1 and one silent stay at 3', async () => {
    const { clock, knowledge, members, resized } = setup(4, { missingMembersAt: 'capacity' });
    for (const m of members.slice(0, 3)) m.sensor('cpu').publish(0.1);
    await clock.advanceBy(16_000);
    // the aggregate of the three readings (0.1) would ask ceil(4 x 0.2) = 1; the silent member at 1 asks 3
    expect(resized).toEqual([3]);
    const [decision] = await knowledge.queryDecisions({});
    expect(decision?.reason).toContain('cpu: 1 without a reading counted at 1: ratio 0.2 -> 0.65');
    expect(decision?.inputs.map((i) => i.entity).sort()).toEqual(['web', 'web-0', 'web-1', 'web-2']);
  });

  it('counts an unready member at 0 on a scale-up and leaves a gone one out (TestReplicaCalcScaleUpUnreadyLessScale)', async () => {
    const { clock, members, resized } = setup(4, { target: 0.3 }, 3);
    [0.3, 0.5, 0.7, 0.9].forEach((v, i) => members[i]?.sensor('cpu').publish(v));
    members[0]?.setUp(false); // unready: its reading is left out, then counted at 0
    members[3]?.setState('stopped'); // gone: its reading counts nowhere
    await clock.advanceBy(16_000);
    // (0 + 0.5 + 0.7) / 3 over a target of 0.3 -> ceil(1.333 x 3) = 4; counting the unready one: 5; the gone one too: 7
    expect(resized).toEqual([4]);
  });

  it('re-evaluates when a member turns unready, with no new reading', async () => {
    const { clock, members, resized } = setup(3);
    [0.3, 0.3, 0.9].forEach((v, i) => members[i]?.sensor('cpu').publish(v));
    await clock.advanceBy(16_000);
    expect(resized).toEqual([]); // mean 0.5: on target
    members[2]?.setUp(false);
    await clock.advanceBy(15_000);
    expect(resized).toEqual([2]); // the two ready ones at 0.3: ceil(0.6 x 2) = 2
  });

  it('holds when every member is silent (missing data), and refuses the member options on a group reading', async () => {
    const { clock, resized } = setup(3);
    await clock.advanceBy(60_000);
    expect(resized).toEqual([]);
    const parsed = autoscaler.config.safeParse({ max: 3, metrics: [{ sensor: 'cpu', target: 0.5, unreadyMembers: 'include' }, { sensor: 'qps', target: 10, basis: 'total', readFrom: 'members' }] });
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      "metrics.0.unreadyMembers: unreadyMembers applies to per-member readings: it needs readFrom 'members'",
      "metrics.1.basis: readFrom 'members' reads each member's own value: it needs basis 'perMember'",
    ]);
  });
});

describe('readFrom: members in a blueprint', () => {
  const blueprint = (sensor: string) => clusterBlueprint(`- use: autoscaler\n  config: { max: 5, metrics: [{ sensor: ${sensor}, target: 0.5, readFrom: members }] }`);

  it("checks the sensor on the members, not on the group", async () => {
    expect(await problemsOf(blueprint('cpu'))).toEqual([]);
    expect(await problemsOf(blueprint('nope'))).toEqual([expect.stringMatching(/^\d+:\d+: .*reads sensor 'nope' of its members, but the member spec \(type sim.server\) does not have it/)]);
  });
});
