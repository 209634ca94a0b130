import type { SchedulerLike } from 'rxjs';
import type { Entity } from '../../core/entity.js';
import { MinHeap } from '../../core/min-heap.js';
import type { Sensor } from '../sensor.js';
import { deliveringSensors } from '../delivering-sensors.js';

/** One counted source: its `service.up` sensor and whether it is counted as up. */
interface Counted {
  readonly sensor: Sensor<boolean>;
  up: boolean;
  /** When the reading counted up goes stale (ms, `Sensor.staleAt`); Infinity when it never does. */
  staleAt: number;
  /** Bumped at each recount and when the source leaves: expiries of an older version are dead. */
  version: number;
}

/** When a source counted up goes stale, alive while the source has not been recounted since. */
interface Expiry {
  readonly source: Counted;
  readonly version: number;
  /** The first time (ms) at which its `service.up` is stale (`Sensor.staleAt`). */
  readonly at: number;
}

/**
 * How many of a set of sources have `service.up` true and fresh, kept one source at a time: a source is
 * counted when it joins, recounted on each of its readings and uncounted when it leaves, so the count costs
 * O(log n) per change instead of a scan of the whole set (which made a quorum over n members quadratic as
 * they start or report).
 *
 * A `service.up` with a staleness bound (every tcp or http health check gives it one) turns unknown with no
 * reading at all: a source counted up is queued by the time its reading goes stale, and `healthy` first takes
 * out what is due by the scheduler's now. The count then equals, at any time the scheduler has reached, what
 * reading every source's `service.up` value would count, provided the tally heard every reading (see
 * `refresh`). A scheduler whose time goes back (a wall clock set back) may make readings fresh again that
 * were stale, or counted down at their expiry: the first count after it recounts every source.
 */
export class UpTally {
  private readonly counted = new Map<Entity, Counted>();
  /** The counted sources by their `service.up` sensor. */
  private readonly bySensor = new Map<Sensor<unknown>, Entity>();
  private upCount = 0;
  private expiries = new MinHeap<Expiry>((e) => e.at);
  /** The latest scheduler time a count was taken at: an earlier one means the clock went back. */
  private countedAt = -Infinity;

  constructor(private readonly scheduler: SchedulerLike) {}

  /** Sources counted. */
  get size(): number {
    return this.counted.size;
  }

  /** Sources whose `service.up` is true and fresh now (those gone stale since their last count are taken out). */
  healthy(): number {
    const now = this.scheduler.now();
    if (now < this.countedAt) for (const source of this.counted.values()) this.recount(source);
    this.countedAt = now;
    for (let due = this.expiries.peek(); due !== undefined && due.at <= now; due = this.expiries.peek()) {
      this.expiries.pop();
      if (due.version === due.source.version) this.setUp(due.source, false);
    }
    return this.upCount;
  }

  /** Counts a source that joined the set (no-op when it is counted already). */
  add(source: Entity): void {
    if (this.counted.has(source)) return;
    const counted: Counted = { sensor: source.sensor<boolean>('service.up'), up: false, staleAt: Infinity, version: 0 };
    this.counted.set(source, counted);
    this.bySensor.set(counted.sensor as Sensor<unknown>, source);
    this.recount(counted);
  }

  /** Recounts a source after one of its readings (any time, older or newer, may have replaced its last one). */
  refresh(source: Entity): void {
    const counted = this.counted.get(source);
    if (counted) this.recount(counted);
  }

  /**
   * Recounts the sources whose `service.up` is handing out a reading right now (see deliveringSensors): told
   * of another source's reading, the tally may not have heard theirs yet, which a subscriber ahead of it
   * answered by publishing that other reading.
   */
  catchUp(): void {
    for (const sensor of deliveringSensors) {
      const source = this.bySensor.get(sensor);
      if (source) this.refresh(source);
    }
  }

  /** Uncounts a source that left the set. */
  delete(source: Entity): void {
    const counted = this.counted.get(source);
    if (!counted) return;
    this.counted.delete(source);
    this.bySensor.delete(counted.sensor as Sensor<unknown>);
    this.setUp(counted, false);
    counted.version++;
  }

  private recount(source: Counted): void {
    source.version++;
    // `value` is true only while fresh, so a reading counted up has its expiry still ahead
    const up = source.sensor.value === true;
    this.setUp(source, up);
    if (!up) return;
    source.staleAt = source.sensor.staleAt;
    if (source.staleAt === Infinity) return;
    this.expiries.push({ source, version: source.version, at: source.staleAt });
    // one expiry per reading of a bounded source: the dead ones leave as their time passes, but readings stamped
    // far ahead (publishAt) could keep them; past twice the sources, only the live ones are kept
    if (this.expiries.size > 2 * this.counted.size + 64) this.compact();
  }

  private setUp(source: Counted, up: boolean): void {
    if (up !== source.up) this.upCount += up ? 1 : -1;
    source.up = up;
  }

  /** Drops the dead expiries. */
  private compact(): void {
    const expiries = new MinHeap<Expiry>((e) => e.at);
    for (const source of this.counted.values()) {
      if (source.up && source.staleAt !== Infinity) expiries.push({ source, version: source.version, at: source.staleAt });
    }
    this.expiries = expiries;
  }
}
