import { memberReplicaCount, type MemberReading } from '../../planners/member-replica-count.js';
import { MissingRequestError } from '../../planners/member-requests.js';
import { clampCapacity, replicaCount } from '../../planners/target-tracking.js';
import { rateLimit, type ScaleEvent } from '../../planners/rate-limit.js';
import { stabilize, type Recommendation } from '../../planners/stabilization-window.js';
import { applyWindows, type ScheduleWindow } from '../../planners/schedule-window.js';
import { releasedSize, type ForecastPeak } from '../../planners/forecast-release.js';
import type { Observation } from '../../sensors/reading.js';
import type { AutoscalerConfig } from './config.js';

/**
 * One metric as the evaluation sees it: its latest usable reading (with the group's size when it was taken,
 * which a per-member average needs once the group has been resized since), each member's reading
 * (`readFrom: members`: at least one counts), or that it has none.
 */
export type MetricInput =
  | { readonly sensor: string; readonly status: 'fresh'; readonly observation: Observation<number>; readonly members?: number }
  | { readonly sensor: string; readonly status: 'perMember'; readonly readings: readonly MemberReading[]; readonly observations: readonly Observation<number>[] }
  | { readonly sensor: string; readonly status: 'missing' };

/** A metric with something to evaluate. */
type UsableMetric = Exclude<MetricInput, { status: 'missing' }>;

/** Everything one evaluation needs; the result depends on nothing else (it is unit-tested as a function). */
export interface EvaluationInput {
  readonly now: number;
  readonly config: AutoscalerConfig;
  readonly size: Observation<number>;
  readonly ready: number | undefined;
  readonly metrics: readonly MetricInput[];
  /** Recommendations so far; undefined on first sight (the current size is then recorded, as the HPA does). */
  readonly history: readonly Recommendation[] | undefined;
  /** False when no metric has a new reading since the last evaluation: only missing data and [min, max] are checked. */
  readonly changed?: boolean;
  readonly events: readonly ScaleEvent[];
  readonly failures: number;
  readonly capacityLimit: number | undefined;
  readonly windows: readonly ScheduleWindow[];
  /**
   * A predictive floor and why: either the size the demand forecast over the boot-delay horizon needs
   * (`desired`), or the growth the forecast expects (`growth`, forecast over the demand now), which scales
   * every metric's latest value before the reactive rules size it; with neither, the floor held (its reason
   * says why), and a resize the reactive rules make cites it.
   */
  readonly forecast?: { readonly desired?: number; readonly growth?: number; readonly reason: string; readonly release?: ReleaseForecast };
  /** The response-time comfort band's state: while comfortable, metrics are held at their relaxed targets. */
  readonly comfort?: { readonly comfortable: boolean; readonly reason: string };
  /** Set while the urgency sensor is above its threshold: a scale-up skips the stabilization window. */
  readonly urgent?: { readonly reason: string };
}

/**
 * With `predictive.release`: the demand forecast over the horizon, for shortening the scale-down window's hold
 * (see `releasedSize`): its peak with headroom, and the demand reading now (a relative floor scales the
 * reactive metrics by peak / reading).
 */
export interface ReleaseForecast extends ForecastPeak {
  readonly sensor: string;
  readonly horizonMs: number;
  readonly margin: number;
  readonly reading: number;
}

/** The outcome of one evaluation: what to propose (if anything) and the state to keep. */
export interface Evaluation {
  readonly proposal?: { readonly kind: 'scale' | 'hold'; readonly desired: number; readonly reason: string; readonly inputs: readonly Observation[] };
  readonly history: readonly Recommendation[];
  readonly failures: number;
}

/**
 * One autoscaler evaluation: target tracking per metric (the largest ask wins), tolerance, min/max, schedule
 * windows, capacity limit, stabilization windows, rate limits, and the missing-data rules (partial data never
 * scales down; when every metric is missing, hold, then apply the fallback).
 */
export function evaluate(input: EvaluationInput): Evaluation {
  const { config, now } = input;
  const current = input.size.value;
  const keep = Math.max(config.scaleDown.stabilization, config.scaleUp.stabilization);
  // first sight: the current size is a recommendation, so the down window blocks an immediate scale-down
  const seen: readonly Recommendation[] = input.history ?? [[now, current]];
  if (current > config.max || (current < config.min && current > 0)) {
    // the HPA clamps a size outside [min, max] before (and without) reading any metric; at 0 it is disabled
    const desired = clampCapacity(current, config.min, config.max);
    return { proposal: { kind: 'scale', desired, reason: `size ${current} is outside [${config.min}, ${config.max}]: resize ${current} -> ${desired}`, inputs: [input.size] }, history: seen, failures: input.failures };
  }
  const relaxed = input.comfort?.comfortable === true;
  const targetOf = (spec: AutoscalerConfig['metrics'][number] | undefined, ahead = false): number => (relaxed && !ahead ? spec?.relaxedTarget : undefined) ?? spec?.target ?? 1;
  // scaling ahead sizes at the normal targets: comfort now says nothing about the load the forecast expects
  type Spec = AutoscalerConfig['metrics'][number] | undefined;
  // a group sensor and the members' sensor may share a name: the reading's kind tells which metric it is
  const specOf = (m: MetricInput): Spec => config.metrics.find((x) => x.sensor === m.sensor && (x.readFrom === 'members') === (m.status === 'perMember')) ?? config.metrics[0];
  const ask = (m: UsableMetric, scale: number, ahead = false): { sensor: string; spec: Spec; value: number; desired: number; ratio: number; note?: string } => {
    const spec = specOf(m);
    if (m.status === 'perMember') {
      const readings = m.readings.map((r) => (r.value === undefined ? r : { ...r, value: r.value * scale }));
      const r = memberReplicaCount({ current, readings, target: targetOf(spec, ahead), tolerance: config.tolerance, unreadyMembers: spec?.unreadyMembers ?? 'exclude', missingMembersAt: spec?.missingMembersAt ?? (spec?.requestSensor !== undefined ? 'capacity' : 'target'), byRequest: spec?.requestSensor !== undefined });
      // the caller hands over per-member readings only when at least one counts
      if (!r) return { sensor: m.sensor, spec, value: 0, desired: current, ratio: 1 };
      return { sensor: m.sensor, spec, value: r.usage, desired: r.desired, ratio: r.ratio, ...(r.note ? { note: `${m.sensor}: ${r.note}` } : {}) };
    }
    const basis = spec?.basis ?? 'perMember';
    const value = m.observation.value * scale;
    if (current === 0 && basis === 'total' && value <= (spec?.activation ?? 0)) return { sensor: m.sensor, spec, value, desired: 0, ratio: 0 };
    const members = basis === 'perMember' ? (m.members ?? current) : current;
    const ready = members === current ? input.ready : undefined; // readiness now says nothing about an older size
    const r = replicaCount({ current, members, ...(ready !== undefined ? { ready } : {}), value, target: targetOf(spec, ahead), basis, source: spec?.source ?? 'members', tolerance: ahead ? (config.predictive?.tolerance ?? config.tolerance) : config.tolerance });
    return { sensor: m.sensor, spec, value, desired: r.desired, ratio: r.ratio };
  };
  // a metric weighed by requests with a member's request missing decides nothing: it counts as missing, saying why
  const { unweighable, weighed, problems } = config.metrics.some((x) => x.requestSensor !== undefined) ? weighRequests(input.metrics, specOf, ask) : NOTHING_WEIGHED;
  const fresh = input.metrics.filter((m): m is UsableMetric => m.status !== 'missing' && !unweighable.has(m));
  const missing = input.metrics.filter((m) => m.status === 'missing' || unweighable.has(m)).map((m) => m.sensor);

  if (fresh.length === 0) {
    const failures = input.failures + 1;
    const { failureThreshold, fallback, size } = config.missingData;
    const what = describeMissing(missing, problems, 'missing or stale');
    if (failures < failureThreshold) {
      const proposal = failures === 1 ? { kind: 'hold' as const, desired: current, reason: `${what}: holding at ${current} (never scale down on data the loop does not have)`, inputs: [input.size] } : undefined;
      return { ...(proposal ? { proposal } : {}), history: seen, failures };
    }
    if (failures > failureThreshold) return { history: seen, failures };
    const target = fallback === 'hold' ? current : fallback === 'fixed' ? (size as number) : Math.max(current, size as number);
    return {
      proposal: { kind: target === current ? 'hold' : 'scale', desired: target, reason: `${what} for ${failures} evaluations: fallback '${fallback}' -> ${target}`, inputs: [input.size] },
      history: seen,
      failures,
    };
  }
  if (input.changed === false) return { history: seen, failures: 0 }; // nothing new since the last evaluation

  const asks = weighed.size === 0 ? fresh.map((m) => ask(m, 1)) : fresh.map((m) => weighed.get(m) ?? ask(m, 1));
  const top = asks.reduce((a, b) => (b.desired > a.desired ? b : a));
  const notes: string[] = asks.flatMap((a) => (a.note ? [a.note] : []));
  if (relaxed && input.comfort) notes.push(input.comfort.reason);
  let raw = top.desired;
  if (missing.length > 0 && raw < current) {
    raw = current;
    notes.push(`no scale-down while ${describeMissing(missing, problems, 'missing')}`);
  }
  const growth = input.forecast?.growth;
  // the load metrics grow with the demand: the reactive rules sized on the forecast growth, never below them
  // (a metric whose requests the forecast's direction would need, and which are missing, sizes nothing ahead)
  const grown = growth !== undefined && growth > 1 ? fresh.flatMap((m) => desiredAhead(() => ask(m, growth, true).desired)) : [];
  const ahead = input.forecast?.desired ?? (grown.length > 0 ? Math.max(...grown) : undefined);
  if (input.forecast) {
    const sized = `${input.forecast.reason}${input.forecast.desired === undefined && ahead !== undefined ? ` -> ${ahead}` : ''}`;
    if (ahead !== undefined && ahead > raw) {
      raw = ahead;
      notes.push(sized);
    } else if (ahead !== undefined) {
      // the floor asked no more: a resize by the reactive rules still says what the forecast was
      notes.push(`${sized}, no more than the reactive rules ask (${raw}): not acted on`);
    } else {
      // held: the reason says why (a growth no metric could size ahead is a missing request, not no growth)
      const held = growth === undefined ? '' : growth > 1 ? ': no metric could be sized ahead (a member\'s request is missing), not acted on' : ': no growth, not acted on';
      notes.push(`${sized}${held}`);
    }
  }
  const windowed = applyWindows(raw, input.windows);
  if (windowed.window) notes.push(`schedule '${windowed.window.cron}' ${windowed.window.mode} ${windowed.window.size}`);
  raw = clampCapacity(windowed.size, config.min, config.max);
  if (input.capacityLimit !== undefined && raw > current && raw > input.capacityLimit) {
    raw = Math.max(current, input.capacityLimit);
    notes.push(`capacity limit ${input.capacityLimit} (a resize failed for lack of capacity)`);
  }
  const history: Recommendation[] = [...seen.filter(([at]) => at >= now - keep), [now, raw]];
  let desired = raw;
  // whether the release's forecast sized the hold too (it held members, or let some go down to its need)
  let forecastHeld = false;
  if (!windowed.window || windowed.window.mode !== 'exact') {
    if (raw < current) {
      desired = Math.min(current, stabilize(history, now, config.scaleDown.stabilization, 'max') ?? raw);
      const release = input.forecast?.release;
      if (release && desired > raw) {
        // the forecast's peak sized as the floor sizes it: on the floor's own target, or by the reactive rules on the grown metrics
        const target = config.predictive?.target;
        // no metric sized on the forecast (each needs a request it lacks) reads as no size at all, not as -Infinity
        const sized = target !== undefined ? [Math.ceil(release.peak / target - 1e-9)] : release.reading > 0 ? fresh.flatMap((m) => desiredAhead(() => ask(m, release.peak / release.reading, true).desired)) : [];
        const needed = sized.length > 0 && sized.every(Number.isFinite) ? Math.max(...sized) : undefined;
        const released = needed === undefined ? undefined : releasedSize(desired, raw, clampCapacity(needed, config.min, config.max));
        notes.push(describeRelease(release, desired, needed, released));
        if (released !== undefined) desired = released;
        forecastHeld = needed !== undefined;
      }
    } else if (raw > current && input.urgent) notes.push(`${input.urgent.reason}: scale-up stabilization window skipped`);
    else if (raw > current) desired = Math.max(current, stabilize(history, now, config.scaleUp.stabilization, 'min') ?? raw);
    if (desired !== raw) notes.push(`recommendation ${raw} held at ${desired} by the ${raw < current ? 'scale-down' : 'scale-up'} stabilization window${forecastHeld ? ' and the forecast' : ''}`);
    if (desired > current) {
      const limit = rateLimit('up', current, input.events, config.scaleUp.policies, config.scaleUp.select, now);
      if (desired > limit) notes.push(`scale-up rate limited to ${Math.max(current, limit)}`);
      desired = Math.max(current, Math.min(desired, limit));
    } else if (desired < current) {
      const limit = rateLimit('down', current, input.events, config.scaleDown.policies, config.scaleDown.select, now);
      if (desired < limit) notes.push(`scale-down rate limited to ${Math.min(current, limit)}`);
      desired = Math.min(current, Math.max(desired, limit));
    }
  }
  if (desired === current) return { history, failures: 0 };
  const topSpec = top.spec;
  const per = topSpec?.basis === 'total' ? 'in total' : topSpec?.requestSensor !== undefined && topSpec.readFrom === 'members' ? "of the members' requests" : 'per member';
  const others = asks.length > 1 ? ` (largest of ${asks.map((a) => `${a.sensor} -> ${a.desired}`).join(', ')})` : '';
  return {
    proposal: {
      kind: 'scale',
      desired,
      reason: `${top.sensor} is ${round(top.value)} against a target of ${targetOf(topSpec)} ${per}${others}: resize ${current} -> ${desired}${notes.length ? `; ${notes.join('; ')}` : ''}`,
      inputs: [...fresh.flatMap((m) => (m.status === 'perMember' ? m.observations : [m.observation])), input.size],
    },
    history,
    failures: 0,
  };
}

/** Why a forecast-driven release let members go, or did not: the forecast, its error, the horizon and the size it allowed. */
function describeRelease(r: ReleaseForecast, held: number, needed: number | undefined, released: number | undefined): string {
  const forecast = `${r.sensor} forecast ${round(r.forecast)} +/- ${round(r.error)} in ${r.horizonMs / 1000} s peaks at ${round(r.peak)} with ${r.margin} error(s)${r.peak === r.reading ? ' (the demand now)' : ''}`;
  if (needed === undefined) return `${forecast}: no size could be read from it (demand now ${round(r.reading)}), the window's hold at ${held} stands`;
  if (released !== undefined) return `${forecast}, which ${needed} serve: released the scale-down window's hold at ${held} down to ${released}`;
  return `${forecast} and needs ${needed} within the horizon: the scale-down window's hold at ${held} stands`;
}

/** What is missing, in words: metrics without a reading, and metrics whose requests are missing (which, and why). */
function describeMissing(missing: readonly string[], problems: ReadonlyMap<string, string>, state: string): string {
  const plain = problems.size === 0 ? missing : missing.filter((sensor) => !problems.has(sensor));
  return [...(plain.length > 0 ? [`${plain.join(', ')} ${plain.length === 1 ? 'is' : 'are'} ${state}`] : []), ...problems.values()].join('; ');
}

/** Per-member metrics weighed by requests: which cannot be weighed (and why), and the asks of those that can. */
interface Weighing<Ask> {
  readonly unweighable: ReadonlySet<MetricInput>;
  /** Asks made while checking: not made twice. */
  readonly weighed: ReadonlyMap<MetricInput, Ask>;
  /** Why, by sensor. */
  readonly problems: ReadonlyMap<string, string>;
}

const NOTHING_WEIGHED: Weighing<never> = { unweighable: new Set(), weighed: new Map<MetricInput, never>(), problems: new Map() };

/** Asks every per-member metric with a `requestSensor` once, setting aside those a missing request leaves unweighable. */
function weighRequests<Ask>(metrics: readonly MetricInput[], specOf: (m: MetricInput) => AutoscalerConfig['metrics'][number] | undefined, ask: (m: UsableMetric, scale: number) => Ask): Weighing<Ask> {
  const unweighable = new Set<MetricInput>();
  const weighed = new Map<MetricInput, Ask>();
  const problems = new Map<string, string>();
  for (const m of metrics) {
    const requestSensor = m.status === 'perMember' ? specOf(m)?.requestSensor : undefined;
    if (m.status !== 'perMember' || requestSensor === undefined) continue;
    const error = requestError(() => weighed.set(m, ask(m, 1)));
    if (error === undefined) continue;
    unweighable.add(m);
    problems.set(m.sensor, `${m.sensor}: ${error.message} (${requestSensor})`);
  }
  return { unweighable, weighed, problems };
}

/** What `size` asks for, or nothing when a request it needs is missing; any other error is rethrown. */
function desiredAhead(size: () => number): number[] {
  try {
    return [size()];
  } catch (error) {
    if (error instanceof MissingRequestError) return [];
    throw error;
  }
}

/** The MissingRequestError that `run` throws, or undefined when it returns; any other error is rethrown. */
function requestError(run: () => unknown): MissingRequestError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof MissingRequestError) return error;
    throw error;
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
