import type { Entity } from '../../core/entity.js';
import type { Sensor } from '../sensor.js';

/**
 * How many of a set of sources have `service.up` true, kept one source at a time: a source is counted when
 * it joins, recounted on each of its readings and uncounted when it leaves, so the count costs O(1) per
 * change instead of a scan of the whole set (which made a quorum over n members quadratic as they start).
 *
 * A `service.up` with a staleness bound can turn unknown with no reading at all, so while any source has
 * one the tally is not `exact` and the caller reads every source instead.
 */
export class UpTally {
  /** Each counted source's `service.up` sensor and whether it was up at its last count. */
  private readonly counted = new Map<Entity, { readonly sensor: Sensor<boolean>; up: boolean }>();
  private upCount = 0;
  /** Counted sources whose `service.up` has a staleness bound. */
  private staleable = 0;

  /** Sources counted. */
  get size(): number {
    return this.counted.size;
  }

  /** Sources counted as up. */
  get healthy(): number {
    return this.upCount;
  }

  /** True when the count can be trusted without reading every source (no source's health can go stale). */
  get exact(): boolean {
    return this.staleable === 0;
  }

  /** Counts a source that joined the set (no-op when it is counted already). */
  add(source: Entity): void {
    if (this.counted.has(source)) return;
    const sensor = source.sensor<boolean>('service.up');
    const up = sensor.value === true;
    this.counted.set(source, { sensor, up });
    if (up) this.upCount++;
    if (sensor.definition.staleAfterMs !== undefined) this.staleable++;
  }

  /** Recounts a source after one of its readings. */
  refresh(source: Entity): void {
    const entry = this.counted.get(source);
    if (!entry) return;
    const up = entry.sensor.value === true;
    if (up !== entry.up) this.upCount += up ? 1 : -1;
    entry.up = up;
  }

  /** Uncounts a source that left the set. */
  delete(source: Entity): void {
    const entry = this.counted.get(source);
    if (!entry) return;
    this.counted.delete(source);
    if (entry.up) this.upCount--;
    if (entry.sensor.definition.staleAfterMs !== undefined) this.staleable--;
  }
}
