import type { Subscription } from 'rxjs';
import type { Entity } from '../../core/entity.js';
import type { EntityTree } from '../../core/entity-tree.js';
import type { Sensor } from '../sensor.js';

/**
 * The sources of an enricher that do not have its sensor yet, each with the subscription held for it while it
 * is a source: when one makes the sensor, `onMade` is told (with the new sensor and that subscription) and the
 * source stops waiting. Sensor creation in the tree is followed only while some source waits, so a tree whose
 * sources all declare the sensor pays nothing for it.
 */
export class SensorWait {
  private readonly waiting = new Map<Entity, Subscription>();
  private unfollow: (() => void) | undefined;

  constructor(
    private readonly tree: EntityTree,
    private readonly sensor: string,
    private readonly onMade: (source: Entity, sensor: Sensor<unknown>, held: Subscription) => void,
  ) {}

  /** Waits for `source` to make the sensor; `held` is what the caller holds for it as a source. */
  add(source: Entity, held: Subscription): void {
    this.waiting.set(source, held);
    this.unfollow ??= this.tree._followSensorCreation((owner, sensor) => {
      const held = sensor.name === this.sensor ? this.waiting.get(owner) : undefined;
      if (!held) return;
      this.delete(owner);
      this.onMade(owner, sensor, held);
    });
  }

  /** Stops waiting for `source` (it made the sensor, or left). */
  delete(source: Entity): void {
    if (!this.waiting.delete(source) || this.waiting.size > 0) return;
    this.close();
  }

  /** Stops waiting for every source. */
  close(): void {
    this.waiting.clear();
    this.unfollow?.();
    this.unfollow = undefined;
  }
}
