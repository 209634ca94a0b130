import type { SchedulerLike } from 'rxjs';
import type { Entity } from '../../core/entity.js';
import { MinHeap } from '../../core/min-heap.js';
import type { Sensor } from '../sensor.js';

/** One counted source: its sensor and the fresh value counted for it. */
interface Counted {
  readonly sensor: Sensor<unknown>;
  /** Bumped at each recount: heap marks of an older version are dead. */
  version: number;
  /** Whether `value` is in the counts (false: no reading, or it went stale). */
  counted: boolean;
  value: unknown;
  /** When the counted value goes stale (ms, `Sensor.staleAt`); Infinity without a bound. */
  expiresAt: number;
}

/** A source's value (or expiry time) in a heap, alive while the source has not been recounted since. */
interface Mark {
  readonly source: Counted;
  readonly version: number;
  readonly key: number;
}

/** The fresh values of the sources as counts: what `aggregate` combines. */
export interface FreshCounts {
  /** Sources with a fresh value of any type. */
  readonly fresh: number;
  /** Fresh values that are `true`. */
  readonly trues: number;
  /** Fresh values that are numbers, their sum, least and greatest. */
  readonly numbers: number;
  readonly sum: number;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

/**
 * The fresh values of one sensor over a set of sources, kept one source at a time: a source is recounted on
 * each of its readings, and values leave the counts when they go stale (a queue by expiry time), so
 * aggregating after one member's reading costs O(log n) instead of reading all n members; n members reporting
 * at n different instants cost O(n log n), not O(n^2). The sum is compensated (Neumaier) and recomputed from
 * the values now and then, so it stays within rounding of a fresh sum.
 *
 * A source without the sensor counts as one with no value until the caller says it has made it (`gained`).
 * The tally is not `exact` while a source holds a number that is not finite: the caller then reads every source.
 * A scheduler whose time goes back (a wall clock set back) may make values fresh again that were stale, or
 * taken out at their expiry: the first count after it recounts every source.
 */
export class AggregateTally {
  private readonly sources = new Map<Entity, Counted>();
  private readonly sensorless = new Set<Entity>();
  private fresh = 0;
  private trues = 0;
  private numbers = 0;
  private nonFinite = 0;
  private sum = 0;
  private compensation = 0;
  private updates = 0;
  private lows = new MinHeap<Mark>((m) => m.key);
  private highs = new MinHeap<Mark>((m) => -m.key);
  private expiries = new MinHeap<Mark>((m) => m.key);
  /** The latest scheduler time counts were taken at: an earlier one means the clock went back. */
  private countedAt = -Infinity;

  constructor(
    private readonly sensor: string,
    private readonly scheduler: SchedulerLike,
  ) {}

  /** Sources in the set. */
  get size(): number {
    return this.sources.size + this.sensorless.size;
  }

  /** True when the counts can be used instead of reading every source. */
  get exact(): boolean {
    return this.nonFinite === 0;
  }

  /** Counts a source that joined the set (no-op when it is in it); one without the sensor counts with no value. */
  add(source: Entity): void {
    if (this.sources.has(source) || this.sensorless.has(source)) return;
    if (!source.hasSensor(this.sensor)) return void this.sensorless.add(source);
    this.count(source, source.sensor(this.sensor));
  }

  /**
   * Counts from now on the sensor a source in the set had not made when it joined (`sensor`: the one it has
   * just made; the caller follows sensor creation). No-op for a source that is not waiting for it.
   */
  gained(source: Entity, sensor: Sensor<unknown>): void {
    if (this.sensorless.delete(source)) this.count(source, sensor);
  }

  private count(source: Entity, sensor: Sensor<unknown>): void {
    const counted: Counted = { sensor, version: 0, counted: false, value: undefined, expiresAt: Infinity };
    this.sources.set(source, counted);
    this.recount(counted);
  }

  /** Recounts a source after one of its readings. */
  refresh(source: Entity): void {
    const counted = this.sources.get(source);
    if (counted) this.recount(counted);
  }

  /** Takes a source that left the set out of the counts. */
  delete(source: Entity): void {
    if (this.sensorless.delete(source)) return;
    const counted = this.sources.get(source);
    if (!counted) return;
    this.uncount(counted);
    counted.version++;
    this.sources.delete(source);
  }

  /** The counts of the values fresh now (values gone stale since they were counted are taken out first). */
  counts(): FreshCounts {
    const now = this.scheduler.now();
    if (now < this.countedAt) for (const source of this.sources.values()) this.recount(source);
    this.countedAt = now;
    for (let mark = this.expiries.peek(); mark; mark = this.expiries.peek()) {
      if (mark.version === mark.source.version && mark.source.counted && !mark.source.sensor.isStale(now)) break;
      this.expiries.pop();
      if (mark.version === mark.source.version) this.uncount(mark.source);
    }
    return { fresh: this.fresh, trues: this.trues, numbers: this.numbers, sum: this.sum + this.compensation, min: this.top(this.lows), max: this.top(this.highs) };
  }

  private recount(source: Counted): void {
    this.uncount(source);
    source.version++;
    const value = source.sensor.value;
    if (value === undefined) return;
    // when `isStale` turns true, to the last digit (a rounded `at + bound` can order two expiries wrongly)
    source.expiresAt = source.sensor.staleAt;
    source.counted = true;
    source.value = value;
    this.fresh++;
    if (value === true) this.trues++;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.nonFinite++;
      else {
        this.numbers++;
        this.addToSum(value);
        this.lows.push({ source, version: source.version, key: value });
        this.highs.push({ source, version: source.version, key: value });
      }
    }
    if (source.expiresAt !== Infinity) this.expiries.push({ source, version: source.version, key: source.expiresAt });
    if (++this.updates > 2 * this.sources.size + 64) this.rebuild();
  }

  private uncount(source: Counted): void {
    if (!source.counted) return;
    source.counted = false;
    const value = source.value;
    source.value = undefined;
    this.fresh--;
    if (value === true) this.trues--;
    if (typeof value !== 'number') return;
    if (!Number.isFinite(value)) this.nonFinite--;
    else {
      this.numbers--;
      this.addToSum(-value);
    }
  }

  /** Neumaier's compensated addition: the rounding error of each step is kept and added back at the end. */
  private addToSum(value: number): void {
    const total = this.sum + value;
    this.compensation += Math.abs(this.sum) >= Math.abs(value) ? this.sum - total + value : value - total + this.sum;
    this.sum = total;
  }

  /** The key of the heap's least live mark, dropping the dead ones above it. */
  private top(heap: MinHeap<Mark>): number | undefined {
    for (let mark = heap.peek(); mark; mark = heap.peek()) {
      if (mark.version === mark.source.version && mark.source.counted) return mark.key;
      heap.pop();
    }
    return undefined;
  }

  /** Drops the dead marks (one per reading since the last rebuild) and sums the counted values afresh. */
  private rebuild(): void {
    this.updates = 0;
    this.lows = new MinHeap<Mark>((m) => m.key);
    this.highs = new MinHeap<Mark>((m) => -m.key);
    this.expiries = new MinHeap<Mark>((m) => m.key);
    this.sum = 0;
    this.compensation = 0;
    for (const source of this.sources.values()) {
      if (!source.counted) continue;
      const value = source.value;
      if (typeof value === 'number' && Number.isFinite(value)) {
        this.addToSum(value);
        this.lows.push({ source, version: source.version, key: value });
        this.highs.push({ source, version: source.version, key: value });
      }
      if (source.expiresAt !== Infinity) this.expiries.push({ source, version: source.version, key: source.expiresAt });
    }
  }
}
