// HPA conformance for per-member readings weighed by each member's request (`readFrom: members` with
// `requestSensor`, Kubernetes' Resource metrics): cases taken from Kubernetes'
// pkg/controller/podautoscaler/replica_calculator_test.go where the pods' requests differ, named after the Go
// test, and cases for the rules of GetResourceReplicas (replica_calculator.go) with unequal requests that no Go
// test isolates. Kubernetes' utilization is sum(usage) / sum(request) over the pods with metrics
// (GetResourceUtilizationRatio), so a pod that requested more weighs more; a mean of each pod's own share
// would decide differently (each row says where it does).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { memberReplicaCount, type MemberReading } from '../../src/planners/member-replica-count.js';
import { MissingRequestError, utilization } from '../../src/planners/member-requests.js';
import { autoscaler } from '../../src/policies/autoscaler.js';
import { evaluate } from '../../src/policies/autoscaler/evaluate.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { clusterBlueprint, problemsOf } from '../blueprint/problems-of.js';

const NOW = 10_000_000;

interface Pod {
  readonly state: 'ready' | 'unready' | 'pending' | 'gone';
  /** Usage in cores (the Go test's millicore level per container, times its containers); none: no metrics. */
  readonly usage?: number;
  /** Request in cores (the Go test's per-container request, times its containers). */
  readonly request: number;
}

interface Row {
  readonly source: string;
  readonly current: number;
  readonly pods: readonly Pod[];
  /** Target utilization as a share of the request (Kubernetes' targetUtilization / 100). */
  readonly target: number;
  readonly expected: number;
  /** What a mean of each member's own share (no weighing by requests) would ask, where it differs. */
  readonly unweighed?: number;
}

/** The Go tests' pods have two containers, each with the level and the request given: a pod has twice both. */
const CONTAINERS = 2;
const pod = (state: Pod['state'], levelMillis: number | undefined, requestMillis: number): Pod => ({
  state,
  ...(levelMillis === undefined ? {} : { usage: (CONTAINERS * levelMillis) / 1000 }),
  request: (CONTAINERS * requestMillis) / 1000,
});

// TestReplicaCalcComputedToleranceAlgImplementation: 10 pods using 150m each, requesting 300m on average
// but unequally (+/-100, 10, 2, 1 and 0 m), 50 % utilized; the Go test derives its targets from the tolerance:
// int32((1 / (2 x (1 - 0.1)) + 0.01) x 100) = 56 % asks ceil(50/56 x 10) = 9; with + 0.004, 55 % stays inside it
const unequalRequests = [400, 200, 310, 290, 302, 298, 301, 299, 300, 300];
const computedTolerancePods = unequalRequests.map((request) => pod('ready', 150, request));

const rows: Row[] = [
  { source: 'TestReplicaCalcTolerance', current: 3, pods: [pod('ready', 1010, 900), pod('ready', 1030, 1000), pod('ready', 1020, 1100)], target: 1, expected: 3 },
  { source: 'TestReplicaCalcComputedToleranceAlgImplementation (scale down at 56 %)', current: 10, pods: computedTolerancePods, target: 0.56, expected: 9, unweighed: 10 },
  { source: 'TestReplicaCalcComputedToleranceAlgImplementation (inside the tolerance at 55 %)', current: 10, pods: computedTolerancePods, target: 0.55, expected: 10 },
  // GetResourceReplicas' rules with unequal requests
  {
    source: 'GetResourceReplicas: a missing pod counts at 100 % of its own request on a scale-down',
    current: 3,
    pods: [{ state: 'ready', usage: 0.4, request: 2 }, { state: 'ready', usage: 0.2, request: 1 }, { state: 'ready', request: 0.5 }],
    // (0.4 + 0.2 + 0.5) / (2 + 1 + 0.5) = 0.314 over 0.5 -> ceil(0.629 x 3) = 2; shares (0.2, 0.2, 1) average 0.467: inside the tolerance
    target: 0.5,
    expected: 2,
    unweighed: 3,
  },
  {
    source: 'GetResourceReplicas: an unready pod counts at 0 with its request on a scale-up, and the direction flips',
    current: 3,
    pods: [{ state: 'ready', usage: 1.8, request: 2 }, { state: 'ready', usage: 0.9, request: 1 }, { state: 'unready', usage: 0.1, request: 4 }],
    // 2.7 / 3 = 0.9 is 1.8 x the target; with the unready pod at 0 of its 4: 2.7 / 7 = 0.386, below it: hold
    target: 0.5,
    expected: 3,
    unweighed: 4,
  },
  {
    source: 'GetResourceReplicas: a failed pod is left out with its request, a pending one counts at 0 with its request on a scale-up',
    current: 2,
    pods: [{ state: 'ready', usage: 1.2, request: 2 }, { state: 'ready', usage: 0.6, request: 1 }, { state: 'gone', usage: 0, request: 8 }, { state: 'pending', request: 8 }],
    // 1.8 / 3 = 0.6 is 2 x the target 0.3 -> ceil(2 x 2) = 4; the pending pod at 0 of its 8: 1.8 / 11 = 0.16, below it: hold
    target: 0.3,
    expected: 2,
    unweighed: 4,
  },
];

function readingsOf(row: Row): MemberReading[] {
  return row.pods.map((p, i) => ({
    member: `pod-${i}`,
    phase: p.state === 'pending' ? 'pending' : p.state === 'gone' ? 'gone' : 'running',
    ready: p.state === 'ready',
    request: p.request,
    ...(p.usage === undefined ? {} : { value: p.usage }),
  }));
}

/** The row through the autoscaler's evaluation (no stabilization or rate limit in the way), weighed or not. */
function decide(row: Row, weighed = true): number {
  const readings = readingsOf(row).map((r) => (weighed ? r : { ...r, ...(r.value === undefined ? {} : { value: r.value / (r.request as number) }) }));
  const config = autoscaler.config.parse({
    max: 100,
    metrics: [{ sensor: 'cpu', target: row.target, readFrom: 'members', ...(weighed ? { requestSensor: 'cpu.request' } : { missingMembersAt: 'capacity' }) }],
    scaleDown: { stabilization: 0 },
  });
  const observations = readings.flatMap((r) => (r.value === undefined ? [] : [{ entity: r.member, sensor: 'cpu', value: r.value, at: NOW }]));
  const result = evaluate({
    now: NOW,
    config,
    size: { entity: 'web', sensor: 'group.size', value: row.current, at: NOW },
    ready: undefined,
    metrics: [{ sensor: 'cpu', status: 'perMember', readings, observations }],
    history: [],
    events: [],
    failures: 0,
    capacityLimit: undefined,
    windows: [],
  });
  return result.proposal?.desired ?? row.current;
}

describe('HPA conformance with members weighed by their requests (cases from replica_calculator_test.go)', () => {
  it.each(rows.map((row) => [row.source, row] as const))('%s', (_name, row) => {
    expect(decide(row)).toBe(row.expected);
    // the weighing is what decides: a mean of each member's own share asks for something else
    expect(decide(row, false)).toBe(row.unweighed ?? row.expected);
  });

  it('gives the utilization as Kubernetes reports it: TestReplicaCalcTolerance is 102 %', () => {
    const row = rows[0] as Row;
    const result = memberReplicaCount({ current: 3, readings: readingsOf(row), target: 1, tolerance: 0.1, unreadyMembers: 'exclude', missingMembersAt: 'capacity', byRequest: true });
    expect(result?.usage).toBeCloseTo(1.02, 10);
    expect(result?.desired).toBe(3);
  });

  it('says in the reason what the missing member counted at', () => {
    const row = rows[3] as Row;
    const result = memberReplicaCount({ current: 3, readings: readingsOf(row), target: 0.5, tolerance: 0.1, unreadyMembers: 'exclude', missingMembersAt: 'capacity', byRequest: true });
    expect(result?.note).toBe('1 without a reading counted at 1 of their request: ratio 0.4 -> 0.629');
  });

  it('names every member whose usage must be weighed but has no request, and only those', () => {
    const readings: MemberReading[] = [
      { member: 'a', phase: 'running', ready: true, value: 0.9, request: 1 },
      { member: 'b', phase: 'running', ready: true, value: 0.9 },
      { member: 'c', phase: 'running', ready: true, value: 0.9, request: 0 },
    ];
    const rules = { current: 3, target: 0.5, tolerance: 0.1, unreadyMembers: 'exclude', missingMembersAt: 'capacity', byRequest: true } as const;
    expect(() => memberReplicaCount({ ...rules, readings })).toThrow(new MissingRequestError(['b', 'c']));
    // a missing member's request is needed only when it is filled in: on a scale-down, not at a ratio of exactly 1
    const silent: MemberReading[] = [{ member: 'a', phase: 'running', ready: true, value: 0.5, request: 1 }, { member: 'b', phase: 'running', ready: true }];
    expect(memberReplicaCount({ ...rules, readings: silent })?.desired).toBe(3);
    expect(() => memberReplicaCount({ ...rules, readings: [{ ...(silent[0] as MemberReading), value: 0.1 }, silent[1] as MemberReading] })).toThrow(/member b: their usage cannot be weighed/);
    expect(() => utilization([])).toThrow(RangeError);
  });
});

describe('autoscaler weighing members by their requests (requestSensor) in the engine', () => {
  /** A cluster whose members have cpu (cores used) and cpu.request (cores requested). */
  function setup(requests: readonly (number | undefined)[], metric: Record<string, unknown> = {}) {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const resized: number[] = [];
    const web = tree.add({
      id: 'web', type: 'cluster', sensors: [numberSensor('group.size')],
      effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { resized.push(size); entity.sensor('group.size').publish(size); } })],
    });
    const members = requests.map((request, i) => {
      const member = tree.add({ id: `web-${i}`, type: 'server', sensors: [numberSensor('cpu', { staleAfterMs: 60_000 }), numberSensor('cpu.request')] }, web);
      tree.addMember(web, member);
      member.setState('running');
      member.setUp(true);
      if (request !== undefined) member.sensor('cpu.request').publish(request);
      return member;
    });
    web.sensor('group.size').publish(requests.length);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const engine = new Engine({ tree, knowledge, scheduler: clock });
    engine.attach(web, autoscaler, { metrics: [{ sensor: 'cpu', target: 0.5, readFrom: 'members', requestSensor: 'cpu.request', ...metric }], max: 10, scaleDown: { stabilization: 0 }, evaluationInterval: '15s' });
    engine.start();
    return { clock, knowledge, members, resized };
  }

  it('sizes on sum(usage) / sum(request): a big member at 0.9 of 4 cores and two small idle ones scale up', async () => {
    const { clock, knowledge, members, resized } = setup([4, 1, 1]);
    [3.6, 0.1, 0.1].forEach((v, i) => members[i]?.sensor('cpu').publish(v));
    await clock.advanceBy(16_000);
    // 3.8 / 6 = 0.633 over 0.5 -> ceil(1.267 x 3) = 4; the mean of the shares (0.9, 0.1, 0.1) = 0.367 would scale down to 3 x 0.733 -> 3
    expect(resized).toEqual([4]);
    const [decision] = await knowledge.queryDecisions({});
    expect(decision?.reason).toContain("cpu is 0.633 against a target of 0.5 of the members' requests: resize 3 -> 4");
    // the requests the ratio was weighed with are inputs of the Decision
    expect(decision?.inputs.filter((i) => i.sensor === 'cpu.request').map((i) => i.value)).toEqual([4, 1, 1]);
  });

  it('holds with the members named when one has no request reading, and acts once it reports one', async () => {
    const { clock, knowledge, members, resized } = setup([4, undefined, 1]);
    [3.6, 0.9, 0.9].forEach((v, i) => members[i]?.sensor('cpu').publish(v));
    await clock.advanceBy(16_000);
    expect(resized).toEqual([]);
    const [hold] = await knowledge.queryDecisions({});
    expect(hold?.reason).toBe('cpu: no request reading from member web-1: their usage cannot be weighed (cpu.request): holding at 3 (never scale down on data the loop does not have)');
    members[1]?.sensor('cpu.request').publish(1);
    for (const [i, v] of [3.6, 0.9, 0.9].entries()) members[i]?.sensor('cpu').publish(v);
    await clock.advanceBy(15_000);
    // 5.4 / 6 = 0.9 over 0.5 -> ceil(1.8 x 3) = 6
    expect(resized).toEqual([6]);
  });

  it('counts as missing data: holds, then applies the fallback after the failure threshold', async () => {
    const { clock, knowledge, members, resized } = setup([2, undefined]);
    [0.2, 0.2].forEach((v, i) => members[i]?.sensor('cpu').publish(v));
    await clock.advanceBy(46_000);
    // never a ratio computed without web-1 (0.2 / 2 would scale down to 1)
    expect(resized).toEqual([]);
    const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason).sort();
    expect(reasons).toEqual([
      "cpu: no request reading from member web-1: their usage cannot be weighed (cpu.request) for 3 evaluations: fallback 'hold' -> 2",
      'cpu: no request reading from member web-1: their usage cannot be weighed (cpu.request): holding at 2 (never scale down on data the loop does not have)',
    ]);
  });

  it('never scales down on another metric while a request is missing', () => {
    const config = autoscaler.config.parse({ max: 10, metrics: [{ sensor: 'cpu', target: 0.5, readFrom: 'members', requestSensor: 'cpu.request' }, { sensor: 'qps', target: 100, basis: 'total' }], scaleDown: { stabilization: 0 } });
    const at = (value: number) => ({ entity: 'web', sensor: 'qps', value, at: NOW });
    const run = (request: number | undefined) =>
      evaluate({
        now: NOW,
        config,
        size: { entity: 'web', sensor: 'group.size', value: 4, at: NOW },
        ready: undefined,
        metrics: [
          { sensor: 'cpu', status: 'perMember', readings: [{ member: 'a', phase: 'running', ready: true, value: 0.1, ...(request === undefined ? {} : { request }) }], observations: [] },
          { sensor: 'qps', status: 'fresh', observation: at(100) },
        ],
        history: [],
        events: [],
        failures: 0,
        capacityLimit: undefined,
        windows: [],
      }).proposal;
    expect(run(1)?.desired).toBe(1); // both ask for 1
    expect(run(undefined)).toBeUndefined(); // qps alone would scale down: held at 4
  });

  it('sizes nothing ahead on a weighed metric whose forecast direction needs a missing request, and does not fail', () => {
    const config = autoscaler.config.parse({ max: 10, metrics: [{ sensor: 'cpu', target: 0.5, readFrom: 'members', requestSensor: 'cpu.request' }], scaleDown: { stabilization: 0 } });
    // a at exactly the target: b's missing reading is not filled in now, but is (at 0, with its request) at twice the load
    const readings: MemberReading[] = [{ member: 'a', phase: 'running', ready: true, value: 0.5, request: 1 }, { member: 'b', phase: 'running', ready: true }];
    const result = evaluate({
      now: NOW,
      config,
      size: { entity: 'web', sensor: 'group.size', value: 2, at: NOW },
      ready: undefined,
      metrics: [{ sensor: 'cpu', status: 'perMember', readings, observations: [] }],
      history: [],
      events: [],
      failures: 0,
      capacityLimit: undefined,
      windows: [],
      forecast: { growth: 2, reason: 'demand forecast x2' },
    });
    expect(result.proposal).toBeUndefined();
    // with b's request, the same forecast sizes ahead: (1 + 0) / (1 + 1) over 0.5 = 1, inside the tolerance; at x3, 1.5 -> 3
    const withRequest = readings.map((r) => ({ ...r, request: 1 }));
    const ahead = evaluate({ now: NOW, config, size: { entity: 'web', sensor: 'group.size', value: 2, at: NOW }, ready: undefined, metrics: [{ sensor: 'cpu', status: 'perMember', readings: withRequest, observations: [] }], history: [], events: [], failures: 0, capacityLimit: undefined, windows: [], forecast: { growth: 3, reason: 'demand forecast x3' } });
    expect(ahead.proposal?.desired).toBe(3);
  });

  it('re-evaluates when a request changes, with no new usage reading', async () => {
    const { clock, members, resized } = setup([1, 1]);
    [0.5, 0.5].forEach((v, i) => members[i]?.sensor('cpu').publish(v));
    await clock.advanceBy(16_000);
    expect(resized).toEqual([]); // 1 / 2 = 0.5: on target
    members[0]?.sensor('cpu.request').publish(3); // resized vertically: 1 / 4 = 0.25
    await clock.advanceBy(15_000);
    expect(resized).toEqual([1]);
  });
});

describe('requestSensor in a config and a blueprint', () => {
  it('refuses it without readFrom members, or naming the usage sensor itself, with where', () => {
    const parsed = autoscaler.config.safeParse({ max: 3, metrics: [{ sensor: 'cpu', target: 0.5, requestSensor: 'cpu.request' }, { sensor: 'mem', target: 0.5, readFrom: 'members', requestSensor: 'mem' }, { sensor: 'io', target: 0.5, readFrom: 'members', requestSensor: '' }] });
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'metrics.2.requestSensor: Too small: expected string to have >=1 characters',
    ]);
    const semantic = autoscaler.config.safeParse({ max: 3, metrics: [{ sensor: 'cpu', target: 0.5, requestSensor: 'cpu.request' }, { sensor: 'mem', target: 0.5, readFrom: 'members', requestSensor: 'mem' }] });
    expect(semantic.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      "metrics.0.requestSensor: requestSensor applies to per-member readings: it needs readFrom 'members'",
      "metrics.1.requestSensor: requestSensor 'mem' is the metric's own sensor: name the sensor with each member's request, not its usage",
    ]);
  });

  it('checks the request sensor on the members, at its position', async () => {
    const text = clusterBlueprint(`- use: autoscaler\n  config: { max: 5, metrics: [{ sensor: cpu, target: 0.5, readFrom: members, requestSensor: cpu.request }] }`);
    const found = await problemsOf(text);
    expect(found).toEqual([expect.stringMatching(/^12:\d+: .*reads sensor 'cpu.request' of its members, but the member spec \(type sim.server\) does not have it/)]);
    const line = text.split('\n')[11] ?? '';
    expect(found[0]?.split(':')[1]).toBe(String(line.indexOf('cpu.request') + 1));
  });
});
