import { filter, map } from 'rxjs';
import type { Json } from '../knowledge/store.js';
import { raiseAheadAsOf, raiseAheadJson, raiseAheadRoom, raiseAheadUpdate, readRaiseAheadState, type RaiseAheadRoom } from '../planners/dimmer-raise-ahead.js';
import type { Observation } from '../sensors/reading.js';
import { definePolicy, type Symptom } from './define-policy.js';
import { raiseTo, raiseWithin, restoreTo, round } from './dimmer-steps.js';
import { brownoutConfig } from './brownout-config.js';

export { raiseTo, restoreTo } from './dimmer-steps.js';
export { brownoutConfig, type BrownoutConfig } from './brownout-config.js';

/** A brownout proposal: the dimmer value to set and why. */
export interface DimmerSymptom extends Symptom {
  readonly kind: 'lower' | 'raise';
  readonly detail: { readonly from: number; readonly to: number; readonly why: string };
}

/**
 * A decision not to act that the response time alone would have made: a reading it needs is missing (stale,
 * never read, not a finite number, a dimmer outside 0..1), so the brownout holds and says which.
 */
export interface DimmerHoldSymptom extends Symptom {
  readonly kind: 'hold';
  readonly detail: { readonly why: string };
}

/** What the brownout's analysis proposes: a dimmer step, or a hold for missing data. */
export type BrownoutSymptom = DimmerSymptom | DimmerHoldSymptom;

/**
 * Brownout (Klein et al.): when the group is overloaded and cannot grow right now (at its maximum, or
 * members still booting), lower the dimmer (the share of responses with optional content) one step; raise
 * it back one step when there is spare capacity. Missing readings decide nothing: a stale or unread dimmer,
 * size or response time, a dimmer outside 0..1; with a `utilizationSensor`, a stale utilization holds raises.
 * A hold where the readings there are would have it step (lower or raise) is recorded as a `refused` Decision
 * naming the missing readings (a run of the same hold is one record with a count); elsewhere a hold records nothing.
 */
export const brownout = definePolicy({
  name: 'brownout',
  description: 'trades optional content for response time while capacity cannot grow',
  config: brownoutConfig,
  requiresEffectors: (config) => [{ effector: config.dimmerEffector, configPath: ['dimmerEffector'] }],
  requires: (c) => [
    { on: 'self', sensor: c.responseTimeSensor, configPath: ['responseTimeSensor'] },
    { on: 'self', sensor: c.dimmerSensor, configPath: ['dimmerSensor'] },
    { on: 'self', sensor: c.sizeSensor, configPath: ['sizeSensor'] },
    ...(c.utilizationSensor !== undefined ? [{ on: 'self' as const, sensor: c.utilizationSensor, configPath: ['utilizationSensor'] }] : []),
    ...(c.bootingSensor !== undefined ? [{ on: 'self' as const, sensor: c.bootingSensor, configPath: ['bootingSensor'] }] : []),
    ...(c.raiseAhead
      ? [
          { on: 'self' as const, sensor: c.raiseAhead.sensor, configPath: ['raiseAhead', 'sensor'] },
          { on: 'self' as const, sensor: c.raiseAhead.servingSensor, configPath: ['raiseAhead', 'servingSensor'] },
        ]
      : []),
  ],
  monitor: ({ entity, config }) => entity.sensor<number>(config.responseTimeSensor).readings$,
  analyze: (source, { entity, config, state, scheduler }) => {
    // policy state, so a restarted service still gives back what the overload steps took
    const saved = readRestore(state.get(RESTORE));
    /** The dimmer before the overload steps still in force, with `release: restore`. */
    let beforeOverload: number | undefined = saved?.before;
    /** The dimmer this policy's last overload step or partial restore set: any other value was set by someone else. */
    let overloadLeft: number | undefined = saved?.left;
    const persist = (): void => {
      const next = beforeOverload !== undefined && overloadLeft !== undefined ? { before: beforeOverload, left: overloadLeft } : undefined;
      const current = readRestore(state.get(RESTORE));
      if (next?.before !== current?.before || next?.left !== current?.left) state.set(RESTORE, next);
    };
    let ahead = readRaiseAheadState(state.get(RAISE_AHEAD));
    return source.pipe(
      map((rt): BrownoutSymptom | undefined => {
        const symptom = decide(rt);
        persist();
        return symptom;
      }),
      filter((s): s is BrownoutSymptom => s !== undefined),
    );

    function decide(rt: Observation<number>): BrownoutSymptom | undefined {
      const read = (name: string | undefined): Observation<number> | undefined => {
        if (!name) return undefined;
        const sensor = entity.sensor<number>(name);
        return sensor.isStale() || !isFiniteReading(sensor.current) ? undefined : sensor.current;
      };
      const dimmer = read(config.dimmerSensor);
      const size = read(config.sizeSensor);
      // a dimmer outside 0..1 is a bad reading: a step from it could set the dimmer out of range
      if (!isFiniteReading(rt)) return hold(`the response time reading (${config.responseTimeSensor}) is not a finite number`, [rt]);
      const utilization = read(config.utilizationSensor);
      // a configured utilization sensor that is stale or unread: whether there is spare capacity is unknown
      const utilizationUnknown = config.utilizationSensor !== undefined && utilization === undefined;
      const booting = read(config.bootingSensor);
      if (!dimmer || !size || dimmer.value < 0 || dimmer.value > 1) {
        // only where the readings there are ask for a step: elsewhere nothing would be done anyway
        const asked = stepAskedFor(rt, size, utilization, booting);
        if (asked === undefined) return undefined;
        const missing = [missingReading(config.dimmerSensor, true), missingReading(config.sizeSensor, false)].filter((m) => m !== undefined);
        // only usable readings are inputs: a stale one would have the hold rejected as a plan on stale data
        const usable = [rt, ...[dimmer, size, utilization, booting].filter((o) => o !== undefined)];
        return hold(`${asked}, but ${missing.join(' and ')}`, usable);
      }
      const cannotGrow = size.value >= config.maxSize || (booting?.value ?? 0) > 0;
      // changed since by a person or another policy (or the step was refused): theirs is not ours to give back
      if (beforeOverload !== undefined && (overloadLeft === undefined || Math.abs(dimmer.value - overloadLeft) > 1e-6)) beforeOverload = undefined;
      const inputs = [rt, dimmer, size, ...(utilization ? [utilization] : []), ...(booting ? [booting] : [])];
      // a slow period whose members were idle part of it (utilization below low): the queue that made
      // it slow has drained, and lowering the dimmer now relieves nothing
      const drained = utilization !== undefined && utilization.value < config.low.utilization;
      const room = forecastRoom(dimmer.value, utilization?.value);
      const hot =
        rt.value > config.high.responseTime && !drained
          ? `response time ${round(rt.value)} s > ${config.high.responseTime} s`
          : utilization && utilization.value > config.high.utilization && rt.value >= config.low.responseTime
            ? `utilization ${round(utilization.value)} > ${config.high.utilization} with response time ${round(rt.value)} s >= ${config.low.responseTime} s`
            : undefined;
      if (hot && cannotGrow && dimmer.value > 0) {
        const to = Math.max(0, round(dimmer.value - config.step));
        const why = `${hot} and the group cannot grow now (${size.value >= config.maxSize ? `at its maximum of ${config.maxSize}` : `${booting?.value} member(s) booting`})`;
        beforeOverload = undefined; // a lack of capacity the group cannot fix soon: raise by the rule
        return { kind: 'lower', inputs, detail: { from: dimmer.value, to, why } };
      }
      if (config.overload && rt.value > config.overload.responseTime && !drained && dimmer.value > 0) {
        const to = Math.max(0, round(dimmer.value - (config.overload.step ?? config.step)));
        const why = `response time ${round(rt.value)} s > ${config.overload.responseTime} s: overloaded, and members added now help only once booted`;
        if (config.overload.release === 'restore') {
          beforeOverload ??= dimmer.value;
          overloadLeft = to;
        }
        return { kind: 'lower', inputs, detail: { from: dimmer.value, to, why } };
      }
      // at its maximum the group has no boot to bridge: what is missing is capacity, and the raise rule decides
      if (size.value >= config.maxSize) beforeOverload = undefined;
      if (beforeOverload !== undefined && config.overload && !utilizationUnknown && rt.value < config.low.responseTime) {
        const to = Math.max(restoreTo(dimmer.value, beforeOverload, utilization?.value, config), Math.min(beforeOverload, aheadTo(dimmer.value, room)));
        if (to >= beforeOverload) beforeOverload = undefined;
        overloadLeft = to;
        if (to > dimmer.value) {
          const why = `response time ${round(rt.value)} s < ${config.low.responseTime} s${utilization ? ` and utilization ${round(utilization.value)}` : ''}: the overload is over, give back what its steps took${room ? ` (${room.why})` : ''}`;
          return { kind: 'raise', inputs: room ? aheadInputs(inputs) : inputs, detail: { from: dimmer.value, to, why } };
        }
      }
      const spare = rt.value < config.low.responseTime && (!utilization || utilization.value < config.low.utilization);
      if (!hot && spare && !utilizationUnknown && dimmer.value < 1) {
        const to = Math.max(raiseTo(dimmer.value, utilization?.value, config), aheadTo(dimmer.value, room));
        return { kind: 'raise', inputs: room ? aheadInputs(inputs) : inputs, detail: { from: dimmer.value, to, why: `response time ${round(rt.value)} s < ${config.low.responseTime} s${utilization ? ` and utilization ${round(utilization.value)} < ${config.low.utilization}` : ''}: there is spare capacity${room ? ` (${room.why})` : ''}` } };
      }
      // busier than the raise rule's low utilization, but the forecast leaves the members serving now room for more
      if (!hot && room && !utilizationUnknown && rt.value < config.low.responseTime && aheadTo(dimmer.value, room) > dimmer.value) {
        return { kind: 'raise', inputs: aheadInputs(inputs), detail: { from: dimmer.value, to: aheadTo(dimmer.value, room), why: `response time ${round(rt.value)} s < ${config.low.responseTime} s and ${room.why}` } };
      }
      // a fast response time with the dimmer down would raise (or restore) it, but whether there is room is unknown
      if (utilizationUnknown && !hot && rt.value < config.low.responseTime && dimmer.value < 1) {
        const what = beforeOverload !== undefined ? 'give back what the overload steps took' : 'raise the dimmer';
        return hold(`response time below ${config.low.responseTime} s would ${what}, but ${missingReading(config.utilizationSensor as string, false)}: whether there is spare capacity is unknown`, inputs);
      }
      return undefined;
    }

    /**
     * With the dimmer or the group size unusable: what the readings there are would have the brownout do (as
     * the rules below decide it; an unknown size may be at its maximum, an unknown dimmer may be lowered or
     * raised), or undefined when it would do nothing whatever the missing readings say.
     */
    function stepAskedFor(rt: Observation<number>, size: Observation<number> | undefined, utilization: Observation<number> | undefined, booting: Observation<number> | undefined): string | undefined {
      const drained = utilization !== undefined && utilization.value < config.low.utilization;
      const slow = rt.value > config.high.responseTime && !drained;
      const busy = utilization !== undefined && utilization.value > config.high.utilization && rt.value >= config.low.responseTime;
      const mayNotGrow = size === undefined || size.value >= config.maxSize || (booting?.value ?? 0) > 0;
      const overloaded = config.overload !== undefined && rt.value > config.overload.responseTime && !drained;
      if (((slow || busy) && mayNotGrow) || overloaded) {
        return slow || overloaded ? `response time above ${config.high.responseTime} s` : `utilization above ${config.high.utilization}`;
      }
      const spare = utilization === undefined || utilization.value < config.low.utilization;
      const restoring = beforeOverload !== undefined && config.overload !== undefined;
      if (!slow && !busy && rt.value < config.low.responseTime && (spare || restoring)) return `response time below ${config.low.responseTime} s`;
      return undefined;
    }

    /**
     * With `raiseAhead`: folds this period's demand reading into the forecast (once per reading, none older than
     * the last folded in) and returns the room it leaves for the next period; undefined without the option,
     * without usable demand and serving readings (a stale or missing one leaves the raise to the rules on the
     * period just ended) or a room known yet.
     */
    function forecastRoom(dimmer: number, utilization: number | undefined): RaiseAheadRoom | undefined {
      const options = config.raiseAhead;
      if (!options) return undefined;
      const demand = entity.sensor<number>(options.sensor);
      const serving = entity.sensor<number>(options.servingSensor);
      if (demand.isStale() || !isFiniteReading(demand.current) || demand.current.value < 0) return undefined;
      if (serving.isStale() || !isFiniteReading(serving.current) || serving.current.value < 0) return undefined;
      const readings = { demand: demand.current.value, at: demand.current.at, dimmer, serving: serving.current.value, ...(utilization !== undefined ? { utilization } : {}) };
      // a forecast fitted past now (another clock's state, a reading from the future) starts over
      ahead = raiseAheadAsOf(ahead, scheduler.now());
      // once per demand reading: the update hands back the same state for one already folded in, or older
      const updated = raiseAheadUpdate(ahead, readings, options);
      if (updated !== ahead) {
        ahead = updated;
        state.set(RAISE_AHEAD, raiseAheadJson(ahead));
      }
      const room = raiseAheadRoom(ahead, readings.serving, options);
      return room.room === undefined ? undefined : room;
    }

    /** The dimmer the forecast's room allows (the dimmer now without `raiseAhead` or a known room). */
    function aheadTo(dimmer: number, room: RaiseAheadRoom | undefined): number {
      return room?.room === undefined ? dimmer : raiseWithin(dimmer, room.room, config);
    }

    /** The decision's inputs with the demand and serving readings the forecast read. */
    function aheadInputs(inputs: readonly Observation<number>[]): Observation<number>[] {
      const options = config.raiseAhead;
      if (!options) return [...inputs];
      const extra = [entity.sensor<number>(options.sensor).current, entity.sensor<number>(options.servingSensor).current].filter((o): o is Observation<number> => o !== undefined);
      return [...inputs, ...extra];
    }

    /** What is wrong with a reading the brownout needs, or undefined when it is usable. */
    function missingReading(name: string, isDimmer: boolean): string | undefined {
      const sensor = entity.sensor<number>(name);
      const current = sensor.current;
      if (current === undefined) return `${name} has no reading`;
      if (!isFiniteReading(current)) return `${name} is not a finite number`;
      if (sensor.isStale()) return `${name} is stale`;
      if (isDimmer && (current.value < 0 || current.value > 1)) return `${name} is outside 0..1`;
      return undefined;
    }

    function hold(why: string, inputs: readonly Observation[]): DimmerHoldSymptom {
      return { kind: 'hold', inputs, detail: { why: `${why}: holding the dimmer` } };
    }
  },
  plan: (symptom, { entity, config }) =>
    symptom.kind === 'hold'
      ? { actions: [], nonAction: 'refused', reason: symptom.detail.why }
      : {
          actions: [{ entity: entity.id, effector: config.dimmerEffector, params: { value: symptom.detail.to } }],
          reason: `${symptom.detail.why}: ${symptom.kind} the dimmer ${symptom.detail.from} -> ${symptom.detail.to}`,
        },
});

/** Policy-state key of the forecast-sized raise's forecast and learned capacity. */
const RAISE_AHEAD = 'raiseAhead';

/** Policy-state key of what the overload steps took: `{ before, left }`. */
const RESTORE = 'overloadRestore';

/** Reads the restore bookkeeping back from policy state, tolerating absent or malformed values. */
function readRestore(value: Json | undefined): { before: number; left: number } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { before, left } = value as Record<string, Json>;
  return typeof before === 'number' && typeof left === 'number' ? { before, left } : undefined;
}

/** Whether an observation holds a finite number (a reading of another type, NaN or Infinity decides nothing). */
function isFiniteReading(observation: Observation<number> | undefined): observation is Observation<number> {
  return observation !== undefined && typeof observation.value === 'number' && Number.isFinite(observation.value);
}
