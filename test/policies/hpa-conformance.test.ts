// HPA conformance: cases taken from Kubernetes' own tests (pkg/controller/podautoscaler/horizontal_test.go
// and replica_calculator_test.go), one table row each, named after the Go test (and its row name) they come
// from. Each row states the HPA's inputs in homeostat's terms and the size Kubernetes expects; the rows are
// evaluated by the autoscaler's own evaluation (a pure function), at one instant.
import { describe, expect, it } from 'vitest';
import { evaluate, type MetricInput } from '../../src/policies/autoscaler/evaluate.js';
import { autoscaler } from '../../src/policies/autoscaler.js';
import type { ScaleEvent } from '../../src/planners/rate-limit.js';
import { stabilize, type Recommendation } from '../../src/planners/stabilization-window.js';

const NOW = 10_000_000;

interface Metric {
  readonly value: number;
  readonly target: number;
  readonly basis?: 'perMember' | 'total';
  readonly source?: 'members' | 'object';
  /** The metric has no reading (Kubernetes: no pod metrics reported). */
  readonly missing?: true;
}

interface Row {
  readonly source: string;
  readonly current: number;
  readonly min?: number;
  readonly max?: number;
  readonly ready?: number;
  readonly metrics: readonly Metric[];
  readonly scaleUp?: Record<string, unknown>;
  readonly scaleDown?: Record<string, unknown>;
  /** Replica changes in the last seconds, spread evenly as Kubernetes' generateEventsUniformDistribution does. */
  readonly upEvents?: readonly [changes: readonly number[], periodS: number];
  readonly downEvents?: readonly [changes: readonly number[], periodS: number];
  /** The recommendation history; undefined = the HPA has never seen this target. Default: none kept. */
  readonly history?: readonly Recommendation[] | undefined;
  readonly expected: number;
}

/** Kubernetes' generateScalingRules(pods, podsPeriod, percent, percentPeriod, window), select max. */
function rules(pods: number, podsPeriod: number, percent: number, percentPeriod: number, windowS: number) {
  const policies = [
    ...(pods ? [{ type: 'members', value: pods, period: podsPeriod * 1000 }] : []),
    ...(percent ? [{ type: 'percent', value: percent, period: percentPeriod * 1000 }] : []),
  ];
  return { stabilization: windowS * 1000, policies, select: 'max' };
}

/** Events at the centre of equal segments of the last `periodS` seconds, oldest first. */
function events(changes: readonly number[], periodS: number, sign: 1 | -1): ScaleEvent[] {
  const segment = periodS / changes.length;
  return changes.map((c, i) => [NOW - (periodS - segment * (i + 1) + segment / 2) * 1000, 100, 100 + sign * c]);
}

/** A total metric asking for exactly `desired` (the rows of TestScalingWithRules give the HPA's raw ask). */
const asks = (desired: number): Metric => ({ value: desired, target: 1, basis: 'total' });

function decide(row: Row): number {
  const config = autoscaler.config.parse({
    min: row.min ?? 1,
    max: row.max ?? 1000,
    metrics: row.metrics.map((m, i) => ({ sensor: `m${i}`, target: m.target, basis: m.basis ?? 'perMember', source: m.source ?? 'members' })),
    ...(row.scaleUp ? { scaleUp: row.scaleUp } : {}),
    ...(row.scaleDown ? { scaleDown: row.scaleDown } : {}),
  });
  const metrics: MetricInput[] = row.metrics.map((m, i) =>
    m.missing ? { sensor: `m${i}`, status: 'missing' } : { sensor: `m${i}`, status: 'fresh', observation: { entity: 'web', sensor: `m${i}`, value: m.value, at: NOW } },
  );
  const result = evaluate({
    now: NOW,
    config,
    size: { entity: 'web', sensor: 'group.size', value: row.current, at: NOW },
    ready: row.ready,
    metrics,
    history: 'history' in row ? row.history : [],
    events: [...(row.upEvents ? events(row.upEvents[0], row.upEvents[1], 1) : []), ...(row.downEvents ? events(row.downEvents[0], row.downEvents[1], -1) : [])].sort((a, b) => a[0] - b[0]),
    failures: 0,
    capacityLimit: undefined,
    windows: [],
  });
  return result.proposal?.desired ?? row.current;
}

const rows: Row[] = [
  // horizontal_test.go: whole reconciliations
  { source: 'TestScaleUpCMObject', current: 3, min: 2, max: 6, metrics: [{ value: 20, target: 15, source: 'object' }], expected: 4 },
  { source: 'TestScaleUpFromZeroCMObject', current: 0, min: 0, max: 6, metrics: [{ value: 20, target: 15, source: 'object' }], expected: 2 },
  { source: 'TestScaleUpFromZeroIgnoresToleranceCMObject', current: 0, min: 0, max: 6, metrics: [{ value: 1, target: 1, source: 'object' }], expected: 1 },
  { source: 'TestScaleUpPerPodCMObject', current: 3, min: 2, max: 6, metrics: [{ value: 40, target: 10, basis: 'total', source: 'object' }], expected: 4 },
  { source: 'TestScaleUpCMExternal', current: 3, min: 2, max: 6, metrics: [{ value: 8.6, target: 6.666, source: 'object' }], expected: 4 },
  { source: 'TestScaleUpPerPodCMExternal', current: 3, min: 2, max: 6, metrics: [{ value: 8.6, target: 2.222, basis: 'total', source: 'object' }], expected: 4 },
  { source: 'TestScaleDown', current: 5, min: 2, max: 6, metrics: [{ value: 0.28, target: 0.5 }], expected: 3 },
  { source: 'TestScaleDownWithScalingRules', current: 5, min: 2, max: 6, scaleUp: rules(0, 0, 100, 15, 30), metrics: [{ value: 0.28, target: 0.5 }], expected: 3 },
  { source: 'TestScaleDownStabilizeInitialSize (first sight records the current size)', current: 5, min: 2, max: 6, history: undefined, metrics: [{ value: 0.28, target: 0.5 }], expected: 5 },
  { source: 'TestSuperfluousMetrics (the largest ask wins)', current: 4, min: 2, max: 6, metrics: [{ value: 4, target: 1, basis: 'total' }, { value: 0.1, target: 0.5 }], expected: 4 },
  { source: 'TestMinReplicas', current: 5, min: 2, max: 5, metrics: [{ value: 0.1, target: 0.9 }], expected: 2 },
  { source: 'TestMaxReplicas', current: 3, min: 2, max: 5, metrics: [{ value: 3, target: 0.5 }], expected: 5 },
  { source: 'TestTooManyReplicas (no metrics reported)', current: 10, min: 3, max: 5, metrics: [{ value: 0, target: 0.9, missing: true }], expected: 5 },
  { source: 'TestTooFewReplicas (no metrics reported)', current: 2, min: 3, max: 5, metrics: [{ value: 0, target: 0.9, missing: true }], expected: 3 },
  { source: 'TestZeroReplicas (autoscaling disabled at 0 with min > 0)', current: 0, min: 3, max: 5, metrics: [{ value: 0, target: 0.9, missing: true }], expected: 0 },
  // replica_calculator_test.go
  { source: 'TestReplicaCalcScaleUp', current: 3, max: 10, metrics: [{ value: 0.5, target: 0.3 }], expected: 5 },
  { source: 'TestReplicaCalcScaleUpUnreadyLessScale', current: 3, max: 10, ready: 2, metrics: [{ value: 0.6, target: 0.3 }], expected: 4 },
  { source: 'TestReplicaCalcScaleUpUnreadyNoScale', current: 3, max: 10, ready: 1, metrics: [{ value: 0.4, target: 0.3 }], expected: 3 },
  { source: 'replica_calculator.go calcPlainMetricReplicas: tolerance on the ratio recomputed with unready at 0', current: 10, max: 20, ready: 9, metrics: [{ value: 0.6, target: 0.5 }], expected: 10 },
  { source: 'TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods', current: 3, max: 10, ready: 1, metrics: [{ value: 50, target: 10, source: 'object' }], expected: 5 },
  { source: 'TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods', current: 3, max: 10, ready: 1, metrics: [{ value: 8.6, target: 4.4, source: 'object' }], expected: 2 },
  { source: 'TestReplicaCalcScaleUpCMObject', current: 3, max: 10, metrics: [{ value: 20, target: 15, source: 'object' }], expected: 4 },
  { source: 'TestReplicaCalcScaleUpCMPerPodObject', current: 3, max: 10, metrics: [{ value: 20, target: 5, basis: 'total', source: 'object' }], expected: 4 },
  { source: 'TestReplicaCalcScaleUpCMExternal', current: 1, max: 10, metrics: [{ value: 8.6, target: 4.4, source: 'object' }], expected: 2 },
  { source: 'TestReplicaCalcTolerance', current: 3, max: 10, metrics: [{ value: 1.05, target: 1 }], expected: 3 },
  { source: 'TestReplicaCalcToleranceCM', current: 3, max: 10, metrics: [{ value: 20.666, target: 20 }], expected: 3 },
];

/** TestScalingWithRules: rate limits from the raw ask (prenormalized desired), events in both directions. */
const rateRows: Array<[name: string, current: number, desired: number, min: number, max: number, extra: Partial<Row>, expected: number]> = [
  ['prenormalized desired replicas within range', 5, 7, 3, 8, {}, 7],
  ['prenormalized desired replicas < minReplicas', 3, 1, 2, 8, {}, 2],
  ['maxReplicas is the limit because maxReplicas < scaleUpLimit', 20, 1000, 1, 10, {}, 10],
  ['desired replica count is more than the maximum replica count', 100, 1000, 100, 150, {}, 150],
  ['scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies', 3, 1000, 1, 1000, { scaleUp: rules(0, 0, 1, 60, 0) }, 4],
  ['scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies', 1000, 3, 3, 1000, { scaleDown: rules(20, 60, 0, 0, 0) }, 980],
  ['scaleUp with default behavior', 10, 50, 1, 1000, {}, 20],
  ['scaleUp with pods policy larger than percent policy', 10, 500, 1, 1000, { scaleUp: rules(100, 60, 100, 60, 0) }, 110],
  ['scaleUp with percent policy larger than pods policy', 10, 500, 1, 1000, { scaleUp: rules(2, 60, 100, 60, 0) }, 20],
  ['scaleUp with spec MaxReplicas limitation with large pod policy', 10, 50, 1, 1000, { scaleUp: rules(100, 60, 0, 0, 0) }, 50],
  ['scaleUp with pod policy limitation', 10, 50, 1, 1000, { scaleUp: rules(30, 60, 0, 0, 0) }, 40],
  ['scaleUp with percent policy limitation', 10, 50, 1, 1000, { scaleUp: rules(0, 0, 200, 60, 0) }, 30],
  ['scaleDown with percent policy larger than pod policy', 100, 2, 1, 1000, { scaleDown: rules(20, 60, 1, 60, 300) }, 80],
  ['scaleDown with pod policy larger than percent policy', 100, 2, 1, 1000, { scaleDown: rules(2, 60, 1, 60, 300) }, 98],
  ['scaleDown with spec MinReplicas limitation with large percent policy', 10, 2, 5, 1000, { scaleDown: rules(0, 0, 100, 60, 300) }, 5],
  ['scaleDown with pod policy limitation', 10, 2, 1, 1000, { scaleDown: rules(5, 60, 0, 0, 300) }, 5],
  ['scaleDown with percent policy limitation', 10, 5, 1, 1000, { scaleDown: rules(0, 0, 50, 60, 300) }, 5],
  ['scaleUp with spec MaxReplicas limitation with large pod policy and events', 100, 500, 1, 200, { scaleUp: rules(300, 60, 0, 0, 0), upEvents: [[1, 5, 9], 120] }, 200],
  ['scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events', 100, 500, 1, 1000, { scaleUp: rules(5, 120, 0, 0, 0), upEvents: [[1, 5, 9], 120] }, 100],
  ['scaleUp with pod policy and previous scale up events', 100, 500, 1, 1000, { scaleUp: rules(150, 120, 0, 0, 0), upEvents: [[1, 5, 9], 120] }, 235],
  ['scaleUp with percent policy and previous scale up events', 100, 500, 1, 1000, { scaleUp: rules(0, 0, 200, 120, 0), upEvents: [[1, 5, 9], 120] }, 255],
  ['scaleUp with percent policy and previous scale up and down events', 6, 24, 1, 1000, { scaleUp: rules(0, 0, 300, 300, 0), upEvents: [[4], 120], downEvents: [[2], 120] }, 16],
  ['scaleDown with default policy and previous events', 10, 5, 1, 1000, { downEvents: [[1, 5, 9], 120] }, 5],
  ['scaleDown with spec MinReplicas limitation with large pod policy and previous events', 100, 0, 5, 1000, { scaleDown: rules(130, 120, 0, 0, 300), downEvents: [[1, 5, 9], 120] }, 5],
  ['scaleDown with pod policy limitation and previous events', 100, 2, 1, 1000, { scaleDown: rules(5, 120, 0, 0, 300), downEvents: [[1, 5, 9], 120] }, 100],
  ['scaleDown with percent policy limitation and previous events', 100, 0, 1, 1000, { scaleDown: rules(0, 0, 50, 120, 300), downEvents: [[2, 4, 6], 120] }, 56],
  ['scaleDown with percent policy and previous scale up and down events', 10, 1, 1, 1000, { scaleDown: rules(0, 0, 50, 180, 0), upEvents: [[2], 120], downEvents: [[4], 120] }, 6],
  ['scaleDown with previous events preventing further scale down', 100, 0, 1, 1000, { scaleDown: rules(0, 0, 10, 120, 300), downEvents: [[10, 10, 10], 120] }, 100],
  ['scaleDown with with previous events still allowing more scale down', 10, 5, 1, 1000, { scaleDown: rules(0, 0, 1000, 120, 300), downEvents: [[10, 10, 10], 120] }, 5],
  ["check that events were marked 'outdated' for two different policies in the behavior for up", 100, 200, 1, 1000, { scaleUp: rules(1000, 30, 100, 60, 0), upEvents: [[8, 12, 9, 11], 120] }, 200],
  ["check that events were marked 'outdated' for two different policies in the behavior for down", 100, 5, 1, 1000, { scaleDown: rules(1000, 30, 100, 60, 300), downEvents: [[8, 12, 9, 11], 120] }, 5],
];

describe('HPA conformance (cases from Kubernetes tests)', () => {
  it.each(rows.map((r) => [r.source, r] as const))('%s', (_name, row) => {
    expect(decide(row)).toBe(row.expected);
  });

  it.each(rateRows)('TestScalingWithRules: %s', (_name, current, desired, min, max, extra, expected) => {
    expect(decide({ source: _name, current, min, max, metrics: [asks(desired)], ...extra, expected })).toBe(expected);
  });

  // TestNormalizeDesiredReplicas: the down window's highest recommendation, over 5 minutes
  it.each([
    ['empty log', [] as Recommendation[], 5, 5],
    ['stabilize', [[NOW - 120_000, 4], [NOW - 60_000, 5]] as Recommendation[], 3, 5],
    ['no stabilize', [[NOW - 120_000, 1], [NOW - 60_000, 2]] as Recommendation[], 3, 3],
    ['no stabilize - old recommendations', [[NOW - 600_000, 10], [NOW - 540_000, 9]] as Recommendation[], 3, 3],
    ['stabilize - old recommendations', [[NOW - 600_000, 10], [NOW - 60_000, 4], [NOW - 120_000, 5], [NOW - 540_000, 9]] as Recommendation[], 3, 5],
  ])('TestNormalizeDesiredReplicas: %s', (_name, history, desired, expected) => {
    expect(stabilize([...history, [NOW, desired]], NOW, 300_000, 'max')).toBe(expected);
  });
});
