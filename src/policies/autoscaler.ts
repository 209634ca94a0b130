import { auditTime, filter, interval, map, merge } from 'rxjs';
import { resizeQuorumLoss } from '../effectors/scale-in.js';
import type { Json } from '../knowledge/store.js';
import { nextComfort } from '../planners/comfort-band.js';
import { activeCapacityLimit, capacityLimitAfterFailure } from '../planners/capacity-limit.js';
import { holtAsOf, holtForecast, holtGrowthSignificant, holtUpdate, readHolt } from '../planners/holt-forecast.js';
import { readScaleEvents, type ScaleEvent } from '../planners/rate-limit.js';
import { activeWindows } from '../planners/schedule-window.js';
import { heldFloor } from '../planners/held-floor.js';
import { readHistory } from '../planners/stabilization-window.js';
import type { Observation } from '../sensors/reading.js';
import { autoscalerConfig, type AutoscalerConfig } from './autoscaler/config.js';
import { evaluate, type MetricInput, type ReleaseForecast } from './autoscaler/evaluate.js';
import { forecastPeak } from '../planners/forecast-release.js';
import { readMembers } from './autoscaler/member-readings.js';
import { definePolicy, type PolicyContext, type Symptom } from './define-policy.js';

export { autoscalerConfig, type AutoscalerConfig } from './autoscaler/config.js';

/** What the autoscaler's analysis proposes. */
export interface ScaleSymptom extends Symptom {
  readonly kind: 'scale' | 'hold';
  readonly detail: { readonly current: number; readonly desired: number; readonly reason: string };
}

const HISTORY = 'recommendations';
const EVENTS = 'scaleEvents';
const FAILURES = 'missingEvaluations';
const CAPACITY = 'capacityLimit';
const FORECAST = 'forecast';
const COMFORT = 'comfortable';
const RETRY = 'retryPreempted';

/**
 * Target-tracking autoscaler (Kubernetes HPA semantics, with KEDA's scale to and from zero): several metrics
 * (the largest ask wins), a tolerance band, stabilization windows, rate limits per period, cooldowns per
 * direction, scheduled floors, warm-up, a capacity limit, and missing-data rules. Its memory (stabilization
 * history, scale events, capacity limit, failed evaluations) is policy state and survives a restart.
 */
export const autoscaler = definePolicy({
  name: 'autoscaler',
  description: 'keeps group metrics at their targets by resizing the group',
  config: autoscalerConfig,
  requiresEffectors: (config) => [{ effector: config.resizeEffector, configPath: ['resizeEffector'] }],
  requires: (config) => [
    ...config.metrics.map((m, i) => ({ on: m.readFrom === 'members' ? ('members' as const) : ('self' as const), sensor: m.sensor, configPath: config.metric === m.sensor && i === 0 ? ['metric'] : ['metrics', i - (config.metric ? 1 : 0), 'sensor'] })),
    ...config.metrics.flatMap((m, i) => (m.requestSensor !== undefined ? [{ on: 'members' as const, sensor: m.requestSensor, configPath: ['metrics', i - (config.metric ? 1 : 0), 'requestSensor'] }] : [])),
    { on: 'self', sensor: config.sizeSensor, configPath: ['sizeSensor'] },
    ...(config.readySensor ? [{ on: 'self' as const, sensor: config.readySensor, configPath: ['readySensor'] }] : []),
    ...(config.predictive ? [{ on: 'self' as const, sensor: config.predictive.sensor, configPath: ['predictive', 'sensor'] }] : []),
    ...(config.comfort ? [{ on: 'self' as const, sensor: config.comfort.sensor, configPath: ['comfort', 'sensor'] }] : []),
    ...(config.urgency ? [{ on: 'self' as const, sensor: config.urgency.sensor, configPath: ['urgency', 'sensor'] }] : []),
    ...(config.urgency?.rise ? [{ on: 'self' as const, sensor: config.urgency.rise.sensor, configPath: ['urgency', 'rise', 'sensor'] }] : []),
  ],
  // Evaluate once per instant after any metric reading, and on a timer (which notices that data went
  // missing): readings published at one instant are evaluated together, never one by one.
  monitor: ({ entity, config, scheduler }) =>
    // per-member metrics (`readFrom: members`) are read on the timer, as the HPA reads pod metrics each sync
    merge(...config.metrics.filter((m) => m.readFrom !== 'members').map((m) => entity.sensor<number>(m.sensor).observations$), interval(config.evaluationInterval, scheduler)).pipe(auditTime(0, scheduler)),
  analyze: (source, context) => {
    const lastSeen = new Map<string, Seen>();
    return source.pipe(
      map(() => evaluateNow(context, lastSeen)),
      filter((s): s is ScaleSymptom => s !== undefined),
    );
  },
  plan: (symptom, { entity, config }) => {
    const { current, desired, reason } = symptom.detail;
    if (symptom.kind === 'hold' || desired === current) return { actions: [], reason };
    const direction = desired > current ? 'up' : 'down';
    // a scale-in the group's quorum refuses is not asked for (it would fail again at each evaluation): refused, saying why
    const loss = direction === 'down' ? resizeQuorumLoss(entity, desired) : undefined;
    if (loss !== undefined) return { actions: [], nonAction: 'refused', reason: `${reason}; not resized: ${loss}` };
    const cooldown = direction === 'up' ? config.scaleUp.cooldown : config.scaleDown.cooldown;
    return {
      actions: [{ entity: entity.id, effector: config.resizeEffector, params: { size: desired } }],
      reason,
      // re-checked when it starts: a resize that waited behind another one is out of date, not a step to run
      expect: [{ entity: entity.id, sensor: config.sizeSensor, value: current }],
      ...(cooldown > 0 ? { cooldown: { key: direction, ms: cooldown } } : {}),
    };
  },
  observe: (decision, { state, scheduler }) => {
    const detail = decision.symptom.detail as ScaleSymptom['detail'] | undefined;
    if (!detail || decision.actions.length === 0) return;
    // another policy's plan held the group (a brownout's dimmer step at the same instant): the next
    // evaluation plans again on the same readings instead of waiting for new ones
    if (decision.outcome === 'preempted') state.set(RETRY, true);
    if (decision.outcome === 'applied') {
      const events = readScaleEvents(state.get(EVENTS), scheduler.now(), 3_600_000);
      state.set(EVENTS, [...events, [decision.at, detail.current, detail.desired] satisfies ScaleEvent]);
    } else if (decision.outcome === 'failed' && decision.error?.code === 'E_INSUFFICIENT_CAPACITY') {
      state.set(CAPACITY, capacityLimitAfterFailure(detail.current, decision.at));
    }
  },
});

/**
 * A reading already evaluated, with the group's size when it was first evaluated (the size it describes);
 * for a per-member metric, the members' phases, readiness and which had a reading (`shape`).
 */
interface Seen {
  readonly observation?: Observation<number>;
  readonly members: number;
  readonly shape?: string;
  /** A per-member metric's readings last evaluated, by member: current members only (bounded by the group). */
  readonly byMember?: ReadonlyMap<string, Observation<number>>;
}

function evaluateNow(context: PolicyContext<AutoscalerConfig>, lastSeen: Map<string, Seen>): ScaleSymptom | undefined {
  const { entity, config, scheduler, state } = context;
  const now = scheduler.now();
  const sizeSensor = entity.sensor<number>(config.sizeSensor);
  const size = sizeSensor.current;
  if (!size || sizeSensor.isStale(now)) return undefined; // capacity unknown: nothing can be decided
  const events = readScaleEvents(state.get(EVENTS), now, 3_600_000);
  let changed = false;
  const metrics: MetricInput[] = config.metrics.map((m) => {
    if (m.readFrom === 'members') {
      const read = readMembers(entity, m, now, lastSeen.get(shapeKey(m.sensor)));
      if (read.changed) changed = true;
      lastSeen.set(shapeKey(m.sensor), { members: 0, shape: read.shape, byMember: read.byMember });
      return read.input;
    }
    const sensor = entity.sensor<number>(m.sensor);
    const reading = sensor.current;
    if (!reading || sensor.isStale(now)) return { sensor: m.sensor, status: 'missing' };
    // a sensor hands out one object per reading: identity tells a reading already evaluated, and a
    // per-member average describes the size it was first evaluated at, not one resized since
    const seen = lastSeen.get(m.sensor);
    const members = seen?.observation === reading ? seen.members : size.value;
    if (seen?.observation !== reading) changed = true;
    return { sensor: m.sensor, status: 'fresh', observation: reading, members };
  });
  if (state.get(RETRY) === true) {
    changed = true;
    state.set(RETRY, undefined);
  }
  const forecast = predict(context, lastSeen);
  const comfort = comfortNow(context, lastSeen);
  const urgent = urgentNow(context, lastSeen);
  const stored = state.get(HISTORY);
  const result = evaluate({
    now,
    config,
    size,
    ready: config.readySensor ? entity.sensor<number>(config.readySensor).value : undefined,
    metrics,
    history: stored === undefined ? undefined : readHistory(stored),
    changed,
    events,
    failures: state.get<number>(FAILURES) ?? 0,
    capacityLimit: activeCapacityLimit(state.get(CAPACITY), size.value, now, config.capacityRetry)?.limit,
    // a floor held on the entity (a DR runbook's scale-up, until failback) counts like a scheduled one
    windows: [...activeWindows(config.schedule, now), ...heldFloor(entity)],
    ...(forecast ? { forecast } : {}),
    ...(comfort ? { comfort } : {}),
    ...(urgent ? { urgent } : {}),
  });
  for (const m of metrics) if (m.status === 'fresh') lastSeen.set(m.sensor, { observation: m.observation, members: m.members ?? size.value });
  if (changed || stored === undefined) state.set(HISTORY, [...result.history] as unknown as Json);
  if ((state.get<number>(FAILURES) ?? 0) !== result.failures) state.set(FAILURES, result.failures);
  const proposal = result.proposal;
  if (!proposal) return undefined;
  return { kind: proposal.kind, inputs: proposal.inputs as Observation[], detail: { current: size.value, desired: proposal.desired, reason: proposal.reason } };
}

function shapeKey(sensor: string): string {
  return `members:${sensor}`;
}

/**
 * Folds the demand sensor's new reading into the Holt state (policy state, constant size) and returns the
 * size the forecast `horizon` ahead needs, with the forecast and its error for the Decision's reason; when
 * the forecast's growth is within the noise (`confidence`), only the reason, saying why the floor held. With
 * `predictive.release`, also the forecast's peak over the horizon, significant growth or not (a flat or falling
 * forecast is what lets the scale-down window's hold go).
 */
function predict(context: PolicyContext<AutoscalerConfig>, lastSeen: Map<string, Seen>): { desired?: number; growth?: number; reason: string; release?: ReleaseForecast } | undefined {
  const p = context.config.predictive;
  if (!p) return undefined;
  const sensor = context.entity.sensor<number>(p.sensor);
  const reading = sensor.current;
  // a stale or non-numeric demand reading forecasts nothing (a NaN would poison the smoothed state)
  if (!reading || typeof reading.value !== 'number' || !Number.isFinite(reading.value) || sensor.isStale(context.scheduler.now())) return undefined;
  const key = `forecast:${p.sensor}`;
  // a state stamped after now (another clock's, or a reading from the future) would never take a reading again
  let holt = holtAsOf(readHolt(context.state.get(FORECAST)), context.scheduler.now());
  if (lastSeen.get(key)?.observation !== reading) {
    holt = holtUpdate(holt, reading.value, reading.at, p);
    context.state.set(FORECAST, { ...holt });
    lastSeen.set(key, { observation: reading, members: 0 });
  }
  if (!holt) return undefined;
  // the horizon ends `horizon` after now, not after the demand reading (older than now when the evaluation was
  // triggered by another metric or the evaluation interval): the forecast reaches that far past the reading
  const ahead = p.horizon + Math.max(0, context.scheduler.now() - holt.at);
  const value = holtForecast(holt, ahead, p.damping);
  if (value === undefined) return undefined;
  const peak = p.release ? forecastPeak(holt, ahead, p.release.margin, p.damping, reading.value) : undefined;
  // the release reads the forecast whether or not its growth is significant: a falling or flat forecast is what frees members
  const release: ReleaseForecast | undefined = peak && p.release ? { ...peak, sensor: p.sensor, horizonMs: p.horizon, margin: p.release.margin, reading: reading.value } : undefined;
  const withRelease = <T extends object>(result: T): T & { release?: ReleaseForecast } => (release ? { ...result, release } : result);
  // a trend within the forecast's own error is noise: it asks for nothing beyond the reactive rules
  if (p.confidence > 0 && !holtGrowthSignificant(holt, ahead, p.confidence, p.damping)) {
    return withRelease({ reason: `${p.sensor} forecast ${round(value)} +/- ${round(holt.error)} in ${p.horizon / 1000} s: growth ${round(value - holt.level)} over the level ${round(holt.level)} is within ${p.confidence} forecast error(s), not acted on` });
  }
  const expected = value + p.margin * holt.error;
  if (p.target === undefined) {
    // relative: the forecast's growth over the demand now scales the reactive metrics
    if (reading.value <= 0) return undefined;
    const growth = expected / reading.value;
    return withRelease({ growth, reason: `${p.sensor} forecast ${round(value)} +/- ${round(holt.error)} in ${p.horizon / 1000} s (x${round(growth)} the ${round(reading.value)} now)` });
  }
  const desired = Math.ceil(expected / p.target - 1e-9);
  return withRelease({ desired, reason: `${p.sensor} forecast ${round(value)} +/- ${round(holt.error)} in ${p.horizon / 1000} s asks for ${desired}` });
}

/**
 * Folds the response time's new reading into the comfort band's state (policy state, with hysteresis) and
 * says whether the relaxed targets apply, citing the reading.
 */
function comfortNow(context: PolicyContext<AutoscalerConfig>, lastSeen: Map<string, Seen>): { comfortable: boolean; reason: string } | undefined {
  const band = context.config.comfort;
  if (!band) return undefined;
  const sensor = context.entity.sensor<number>(band.sensor);
  const reading = sensor.isStale(context.scheduler.now()) ? undefined : sensor.current;
  const key = `comfort:${band.sensor}`;
  const previous = context.state.get<boolean>(COMFORT) === true;
  let comfortable = previous;
  if (reading && lastSeen.get(key)?.observation !== reading) {
    comfortable = nextComfort(previous, reading.value, band);
    if (comfortable !== previous) context.state.set(COMFORT, comfortable);
    lastSeen.set(key, { observation: reading, members: 0 });
  }
  const cited = reading ? `${band.sensor} ${round(reading.value)}` : `${band.sensor} unread`;
  return { comfortable, reason: `${cited} comfortable (entered at <= ${band.enter}, left above ${band.leave}): relaxed targets` };
}

/** The urgency sensor's latest reading when it is above the threshold (a stale reading is not urgent). */
function urgentNow(context: PolicyContext<AutoscalerConfig>, lastSeen: Map<string, Seen>): { reason: string } | undefined {
  const urgency = context.config.urgency;
  if (!urgency) return undefined;
  const sensor = context.entity.sensor<number>(urgency.sensor);
  const reading = sensor.isStale(context.scheduler.now()) ? undefined : sensor.current;
  if (reading && isFiniteNumber(reading.value) && reading.value > urgency.above) return { reason: `${urgency.sensor} ${round(reading.value)} > ${urgency.above}` };
  return urgency.rise ? risingNow(context, urgency.rise, lastSeen) : undefined;
}

/**
 * With `urgency.rise`: urgent while the sensor's latest reading is at least the one before it and at most
 * `atMost` times it (and that one above 0). The two readings are kept in `lastSeen` under `rise:<sensor>` (latest) and
 * `rise-previous:<sensor>`; a stale reading is not urgent.
 */
function risingNow(context: PolicyContext<AutoscalerConfig>, rise: { sensor: string; atMost: number }, lastSeen: Map<string, Seen>): { reason: string } | undefined {
  const sensor = context.entity.sensor<number>(rise.sensor);
  const reading = sensor.isStale(context.scheduler.now()) ? undefined : sensor.current;
  if (!reading || !isFiniteNumber(reading.value)) return undefined; // a non-numeric reading is neither compared nor kept
  const latestKey = `rise:${rise.sensor}`;
  const previousKey = `rise-previous:${rise.sensor}`;
  const latest = lastSeen.get(latestKey)?.observation;
  if (latest !== reading) {
    if (latest) lastSeen.set(previousKey, { observation: latest, members: 0 });
    lastSeen.set(latestKey, { observation: reading, members: 0 });
  }
  const previous = lastSeen.get(previousKey)?.observation;
  // a rise from a positive reading (a first reading, one after 0 or below, or a fall is none), by at most atMost
  if (!previous || !(previous.value > 0) || !(reading.value >= previous.value) || !(reading.value <= previous.value * rise.atMost)) return undefined;
  return { reason: `${rise.sensor} ${round(reading.value)} rose gradually (at most ${rise.atMost} x the previous ${round(previous.value)})` };
}

/** Whether a reading's value is a finite number (a string, NaN or Infinity makes nothing urgent). */
function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
