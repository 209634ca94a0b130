import type { Subscription } from 'rxjs';
import type { EntityTree } from '../core/entity-tree.js';
import type { Entity } from '../core/entity.js';
import type { Observation } from '../sensors/reading.js';

/**
 * The last readings of every sensor, for the API's history view and the live stream. Follows entities as
 * they join and leave the tree.
 */
export class SensorHistory {
  private readonly histories = new Map<string, Observation[]>();
  private readonly subscriptions = new Map<Entity, Subscription[]>();
  private readonly structure: Subscription;

  constructor(tree: EntityTree, private readonly size: number, private readonly onReading: (o: Observation) => void) {
    for (const entity of tree.entities()) this.follow(entity);
    this.structure = tree.changes$.subscribe((c) => {
      if (c.kind === 'added') this.follow(c.entity);
      if (c.kind === 'removed') this.unfollow(c.entity);
    });
  }

  /** The last readings of one sensor, oldest first. */
  of(entity: string, sensor: string): readonly Observation[] {
    return this.histories.get(`${entity}\u0000${sensor}`) ?? [];
  }

  close(): void {
    this.structure.unsubscribe();
    for (const entity of [...this.subscriptions.keys()]) this.unfollow(entity);
  }

  private follow(entity: Entity): void {
    // start from what each sensor shows now, so history is never empty for a sensor that has a reading
    for (const sensor of entity.sensors) if (sensor.current) this.histories.set(`${entity.id}\u0000${sensor.name}`, [sensor.current]);
    this.subscriptions.set(
      entity,
      entity.sensors.map((sensor) =>
        sensor.readings$.subscribe((o) => {
          const key = `${o.entity}\u0000${o.sensor}`;
          const history = this.histories.get(key) ?? [];
          history.push(o);
          if (history.length > this.size) history.shift();
          this.histories.set(key, history);
          this.onReading(o);
        }),
      ),
    );
  }

  private unfollow(entity: Entity): void {
    for (const s of this.subscriptions.get(entity) ?? []) s.unsubscribe();
    this.subscriptions.delete(entity);
    for (const key of [...this.histories.keys()]) if (key.startsWith(`${entity.id}\u0000`)) this.histories.delete(key);
  }
}
