import type { Entity } from '../../core/entity.js';
import { SERVICE_STATE, SERVICE_UP } from '../../core/lifecycle.js';
import { groupMembers, type MemberReading } from '../../planners/member-replica-count.js';
import { leftOutAsUnready } from '../../planners/member-readiness.js';
import { hasRequest } from '../../planners/member-requests.js';
import type { Observation } from '../../sensors/reading.js';
import type { AutoscalerConfig } from './config.js';
import type { MetricInput } from './evaluate.js';

/** What the last evaluation read of a per-member metric: the members' shape and the readings it evaluated. */
export interface LastRead {
  readonly shape?: string;
  /** By member: current members only (bounded by the group). */
  readonly byMember?: ReadonlyMap<string, Observation<number>>;
}

/** A per-member metric read now: the evaluation's input, whether anything changed, and what to remember. */
export interface MembersRead {
  readonly input: MetricInput;
  readonly changed: boolean;
  readonly shape: string;
  readonly byMember: ReadonlyMap<string, Observation<number>>;
}

/**
 * Each member's reading of a per-member metric (`readFrom: members`), with the member's phase and
 * readiness, and with `requestSensor` its request; `missing` when no member has a reading that counts.
 * `changed` when any reading is new, or a member came, went, changed phase, readiness or request, or fell
 * silent since the last evaluation (`last`).
 */
export function readMembers(group: Entity, spec: AutoscalerConfig['metrics'][number], now: number, last: LastRead | undefined): MembersRead {
  const readings: MemberReading[] = [];
  const observations: Observation<number>[] = [];
  const previous = last?.byMember;
  // what is remembered is keyed by the members there are now: one that left is forgotten with its reading
  const kept = new Map<string, Observation<number>>();
  const fresh = new Map<string, Observation<number>>();
  let changed = false;
  // with requestSensor: each member's request reading, for the Decision's inputs
  const requests: Observation<number>[] = [];
  for (const member of group.members) {
    const phase = member.state === 'running' ? 'running' : member.state === 'created' || member.state === 'starting' || member.state === undefined ? 'pending' : 'gone';
    const sensor = member.hasSensor(spec.sensor) ? member.sensor<number>(spec.sensor) : undefined;
    // a member's sensor of another kind (text, a flag) or a non-finite value is no reading: the member is missing
    const current = sensor && !sensor.isStale(now) ? sensor.current : undefined;
    const reading = typeof current?.value === 'number' && Number.isFinite(current.value) ? current : undefined;
    const upSensor = member.hasSensor(SERVICE_UP.name) ? member.sensor<boolean>(SERVICE_UP.name) : undefined;
    const up = upSensor?.current?.value;
    // `exclude` (Kubernetes' CPU rule) also weighs when the member started running and when its readiness
    // last changed (not its latest report: a health check reports service.up over and over)
    const ready =
      (spec.unreadyMembers ?? 'exclude') === 'include' || !reading || phase !== 'running'
        ? up === true
        : !leftOutAsUnready({ now, up, runningSince: member.sensor<string>(SERVICE_STATE.name).changedAt, upSince: upSensor?.changedAt, readingAt: reading.at });
    const request = spec.requestSensor !== undefined ? requestOf(member, spec.requestSensor, now) : undefined;
    readings.push({ member: member.id, phase, ready, ...(reading && phase === 'running' ? { value: reading.value } : {}), ...(request ? { request: request.value } : {}) });
    if (request) requests.push(request);
    const before = previous?.get(member.id);
    if (before) kept.set(member.id, before);
    if (!reading || phase !== 'running') continue;
    observations.push(reading);
    fresh.set(member.id, reading);
    if (before !== reading) changed = true;
  }
  const counted = groupMembers(readings, { unreadyMembers: spec.unreadyMembers ?? 'exclude' }).counted.size;
  // a changed request changes the ratio: it is part of the shape (only with requestSensor, so others keep theirs)
  const shape = readings.map((r) => `${r.member}:${r.phase}:${r.ready}:${r.value !== undefined}${spec.requestSensor !== undefined ? `:${r.request}` : ''}`).join(',');
  if (last?.shape !== shape) changed = true;
  // readings count as evaluated once they were (a group with none counted keeps what it evaluated before)
  return { input: counted > 0 ? { sensor: spec.sensor, status: 'perMember', readings, observations: [...observations, ...requests] } : { sensor: spec.sensor, status: 'missing' }, changed, shape, byMember: counted > 0 ? fresh : kept };
}

/**
 * A member's request reading: its latest fresh reading of `sensor` when that is a positive, finite number;
 * undefined otherwise (the ratio then names the member instead of guessing its weight).
 */
function requestOf(member: Entity, sensor: string, now: number): Observation<number> | undefined {
  if (!member.hasSensor(sensor)) return undefined;
  const s = member.sensor<number>(sensor);
  const current = s.isStale(now) ? undefined : s.current;
  return typeof current?.value === 'number' && hasRequest(current.value) ? current : undefined;
}
