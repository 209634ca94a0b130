import { cpuMsSince } from './stats.js';

/** What the throughput benchmark's loops are handed: each reading's entity and value. */
export interface Readings {
  readonly entity: Int32Array;
  readonly value: Float64Array;
}

/** A threshold symptom as this loop builds it (kept reachable, so no work is optimised away). */
export let lastObjectSymptom: unknown;

/** What every sensor of the loop shares: the clock that stamps its readings. */
class FloorContext {
  constructor(readonly clock: { now(): number }) {}
}

/** A sensor of the floor loop: current value and time, and its level against the threshold. */
class FloorSensor {
  value = Number.NaN;
  at = Number.NaN;
  level = 0;
  constructor(
    private readonly context: FloorContext,
    private readonly entity: string,
    private readonly above: number,
    private readonly found: { count: number },
  ) {}

  /** Checks, stamps and keeps the reading, and builds a symptom with its input on a crossing. */
  publish(raw: unknown): boolean {
    if (typeof raw !== 'number' || !Number.isFinite(raw)) return false;
    const now = this.context.clock.now();
    this.value = raw;
    this.at = now;
    const next = raw > this.above ? 1 : 0;
    if (next !== this.level) {
      this.level = next;
      lastObjectSymptom = { kind: next === 1 ? 'above' : 'normal', inputs: [{ entity: this.entity, sensor: 'cpu', value: raw, at: now }], detail: { value: raw, bound: next === 1 ? this.above : undefined } };
      if (next === 1) this.found.count++;
    }
    return true;
  }
}

/**
 * The floor of an API that publishes through an object per sensor, as `sensor.publish(value)` does: the
 * typed-array loop's work, hand-written, with each sensor an object of its own whose method takes the reading
 * (checked, stamped by a clock shared through a context object, kept as current value and time, classified
 * against its level). Its ratio to the typed-array loop is what the shape of the API costs; homeostat's ratio
 * to it, what homeostat's code costs beyond that. A module of its own (with its own clock), so that it shares no
 * call site or feedback with the other loops.
 */
export function objectPerSensorLoop(clock: { now(): number }, ids: readonly string[], entities: number, readings: number, above: number): (data: Readings) => { cpuMs: number; above: number; rejected: number } {
  const context = new FloorContext(clock);
  const found = { count: 0 };
  const sensors = ids.slice(0, entities).map((id) => new FloorSensor(context, id, above, found));
  return (data) => {
    const before = found.count;
    let rejected = 0;
    const start = process.cpuUsage();
    for (let i = 0; i < readings; i++) if (!(sensors[data.entity[i] as number] as FloorSensor).publish(data.value[i])) rejected++;
    return { cpuMs: cpuMsSince(start), above: found.count - before, rejected };
  };
}
