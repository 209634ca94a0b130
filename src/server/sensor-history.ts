import type { Subscription } from 'rxjs';
import type { EntityTree } from '../core/entity-tree.js';
import type { Entity } from '../core/entity.js';
import type { Observation } from '../sensors/reading.js';
import type { Sensor } from '../sensors/sensor.js';
import { ReadingRing } from './reading-ring.js';

/** What the service keeps of one sensor while somebody watches it. */
interface Tap {
  /** True while an open stream's subtree holds the sensor: its readings go to the event hub. */
  streamed: boolean;
  /** History kept for the history view (watched) or because the sensor declares it. */
  ring: ReadingRing | undefined;
  /** True when the sensor's definition asks for history: kept for as long as the sensor lives. */
  readonly declared: boolean;
  subscription: Subscription | undefined;
}

/** The lifecycle sensor, which an entity may not create until asked (its state is kept without it). */
const STATE_SENSOR = 'service.state';

/** Limits of what the service keeps for watched sensors. */
export interface SensorHistoryOptions {
  /** Readings kept per sensor (the ring's capacity) unless the sensor declares its own. */
  readonly size: number;
  /** Sensors whose history is kept because someone asked for it; the least recently asked are dropped. */
  readonly maxWatched?: number;
}

/**
 * Sensor readings for the API's history view and the live stream, paid for only where someone watches: a
 * sensor nobody asked about has no subscription, no buffer and no event (the reading path of an unwatched
 * fleet is the library's alone). History starts for a sensor when its history is first requested (then
 * kept in a preallocated ring, for the most recently requested `maxWatched` sensors) or when its definition
 * declares `history`; sensor events reach the hub only while a stream client watches the sensor's subtree.
 */
export class SensorHistory {
  private readonly taps = new Map<Sensor<unknown>, Tap>();
  /** Watched (not declared) histories, least recently requested first. */
  private readonly watched = new Set<Sensor<unknown>>();
  /** The root of each open stream and how many streams are open on it. */
  private readonly streamRoots = new Map<Entity, number>();
  /** Stops following sensor creation: set while a stream is open. */
  private unfollowCreation: (() => void) | undefined;
  /** True while a stream creates a lifecycle sensor itself (tapped after the state it was keeping is published). */
  private creatingState = false;
  private readonly structure: Subscription;
  private readonly size: number;
  private readonly maxWatched: number;

  constructor(private readonly tree: EntityTree, options: SensorHistoryOptions, private readonly onReading: (o: Observation) => void) {
    this.size = options.size;
    this.maxWatched = options.maxWatched ?? 10_000;
    for (const entity of tree.entities()) this.follow(entity);
    this.structure = tree.changes$.subscribe((c) => {
      if (c.kind === 'added') this.follow(c.entity);
      if (c.kind === 'removed') this.unfollow(c.entity);
    });
  }

  /**
   * The last readings of one sensor, oldest first; starts keeping its history when nobody did (the first
   * answer then holds the current reading only).
   */
  of(entity: Entity, sensor: string): readonly Observation[] {
    const s = entity.sensor(sensor);
    const tap = this.tap(s);
    if (!tap.ring) {
      tap.ring = this.ring(s);
      this.listen(s, tap);
    }
    if (!tap.declared) {
      // most recently requested last; past the bound, the least recently requested history is dropped
      this.watched.delete(s);
      this.watched.add(s);
      if (this.watched.size > this.maxWatched) for (const old of this.watched) { this.forget(old); break; }
    }
    return tap.ring.toArray();
  }

  /**
   * Sends the readings of every sensor under `root` (and of entities that join it) to the hub until released.
   * Sensors not created yet (an entity creates one on first use) are not created for it: each is tapped as it
   * is created, so streaming a large tree costs only the sensors that read something. Opening or releasing a
   * stream walks `root`'s subtree only, and not at all while another open stream covers `root` (on `root`
   * itself or above it): every sensor there is tapped already and stays so.
   */
  stream(root: Entity): () => void {
    const covered = this.streamedOver(root);
    this.streamRoots.set(root, (this.streamRoots.get(root) ?? 0) + 1);
    this.unfollowCreation ??= this.tree._followSensorCreation((entity, sensor) => this.onSensorCreated(entity, sensor));
    if (!covered) this.refreshSubtree(root);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.streamRoots.get(root) ?? 1) - 1;
      if (left > 0) this.streamRoots.set(root, left);
      else this.streamRoots.delete(root);
      if (!this.streamedOver(root)) this.refreshSubtree(root);
      if (this.streamRoots.size === 0) this.stopFollowingCreation();
    };
  }

  /** Sensors the service currently keeps something for (a subscription each). */
  get tapped(): number {
    let n = 0;
    for (const tap of this.taps.values()) if (tap.subscription) n += 1;
    return n;
  }

  close(): void {
    this.stopFollowingCreation();
    this.structure.unsubscribe();
    for (const tap of this.taps.values()) tap.subscription?.unsubscribe();
    this.taps.clear();
    this.watched.clear();
    this.streamRoots.clear();
  }

  private follow(entity: Entity): void {
    for (const definition of entity._sensorDefinitions()) {
      if (definition.history === undefined) continue;
      const s = entity.sensor(definition.name);
      const tap = this.tap(s);
      tap.ring ??= this.ring(s);
      this.listen(s, tap);
    }
    if (this.streamRoots.size > 0) this.refreshStreams(entity);
  }

  private unfollow(entity: Entity): void {
    for (const s of entity._createdSensors()) {
      this.taps.get(s)?.subscription?.unsubscribe();
      this.taps.delete(s);
      this.watched.delete(s);
    }
  }

  private stopFollowingCreation(): void {
    this.unfollowCreation?.();
    this.unfollowCreation = undefined;
  }

  /**
   * A sensor created under an open stream is tapped at once, before its first reading; not one of an entity
   * removed from the tree (it still names its old parent, and nothing would release the tap).
   */
  private onSensorCreated(entity: Entity, s: Sensor<unknown>): void {
    if (this.creatingState || this.tree.find(entity.id) !== entity) return;
    if (this.streamedOver(entity)) this.setStreamed(s, true);
  }

  /** True when an open stream's subtree holds `entity`. */
  private streamedOver(entity: Entity): boolean {
    for (const root of this.streamRoots.keys()) if (root.contains(entity)) return true;
    return false;
  }

  /** Refreshes every entity of `root`'s subtree that is still in the tree. */
  private refreshSubtree(root: Entity): void {
    for (const entity of root.subtree()) if (this.tree.find(entity.id) === entity) this.refreshStreams(entity);
  }

  /**
   * Sets each created sensor of `entity` to whether a stream is open over it now (found afresh, so that the
   * order in which sensors, entities and streams come and go cannot leave a sensor tapped for nobody).
   */
  private refreshStreams(entity: Entity): void {
    const streamed = this.streamedOver(entity);
    // a lifecycle state set before anyone asked is kept without a sensor: the stream needs it to see changes
    // (its creation publishes the kept state, which is no change: tapped after it)
    if (streamed && entity.hasSensor(STATE_SENSOR)) {
      this.creatingState = true;
      try {
        entity.sensor(STATE_SENSOR);
      } finally {
        this.creatingState = false;
      }
    }
    for (const s of entity._createdSensors()) this.setStreamed(s, streamed);
  }

  private setStreamed(s: Sensor<unknown>, streamed: boolean): void {
    const tap = streamed ? this.tap(s) : this.taps.get(s);
    if (!tap) return;
    tap.streamed = streamed;
    if (streamed) this.listen(s, tap);
    else this.release(s, tap);
  }

  private forget(s: Sensor<unknown>): void {
    this.watched.delete(s);
    const tap = this.taps.get(s);
    if (!tap || tap.declared) return;
    tap.ring = undefined;
    this.release(s, tap);
  }

  /** Drops the subscription (and the tap) once nothing is kept for the sensor. */
  private release(s: Sensor<unknown>, tap: Tap): void {
    if (tap.streamed || tap.ring) return;
    tap.subscription?.unsubscribe();
    this.taps.delete(s);
  }

  private tap(s: Sensor<unknown>): Tap {
    let tap = this.taps.get(s);
    if (!tap) {
      tap = { streamed: false, ring: undefined, declared: s.definition.history !== undefined, subscription: undefined };
      this.taps.set(s, tap);
    }
    return tap;
  }

  /** A ring seeded with the current reading, so history is never empty for a sensor that has one. */
  private ring(s: Sensor<unknown>): ReadingRing {
    const ring = new ReadingRing(s.definition.history ?? this.size);
    if (s.current) ring.push(s.current);
    return ring;
  }

  private listen(s: Sensor<unknown>, tap: Tap): void {
    tap.subscription ??= s.readings$.subscribe((o) => {
      tap.ring?.push(o);
      if (tap.streamed) this.onReading(o);
    });
  }
}
