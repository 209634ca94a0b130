import { z } from 'zod';
import type { Entity } from '../../core/entity.js';
import type { EntityTree } from '../../core/entity-tree.js';
import type { AlertState, WebhookPayload } from './alertmanager-payload.js';

/** Options of an `AlertSink`. */
export interface AlertSinkOptions {
  /** The alert label whose value is the entity id. Default `entity`. */
  readonly entityLabel?: string;
  /** Resolved fingerprints remembered for deduplication. Default 10 000. */
  readonly memory?: number;
  /**
   * Firing alerts kept (each until its resolution arrives). Default 10 000. With `send_resolved: false`, lost
   * resolutions or labels that change they would otherwise only grow: when a new firing alert finds the sink
   * full, kept alerts whose `endsAt` has passed (on the tree's scheduler) are dropped, and if it is still full
   * the one not heard of for longest is; each dropped alert is published as resolved.
   */
  readonly maxActive?: number;
}

/** What one webhook call did. */
export interface AlertReceipt {
  readonly received: number;
  /** Alerts whose state changed and were published. */
  readonly published: number;
  /** Alerts already known in the same state (Alertmanager repeats notifications). */
  readonly duplicates: number;
  /** Kept firing alerts dropped to make room for new ones (maxActive): their `endsAt` had passed, or they were the oldest. Only when some were. */
  readonly evicted?: number;
  /** Alerts that name no entity of the tree, or an entity without an alert sensor. */
  readonly unmatched: ReadonlyArray<{ readonly fingerprint: string; readonly reason: string }>;
}

const ALERT_SENSOR = /^[a-zA-Z0-9_]+$/;

/** A firing alert the sink keeps, with the id of its entity. */
type KeptAlert = AlertState & { readonly entity: string };

/**
 * When an alert ends, in ms since the epoch; undefined when it says no end: empty, unreadable, or Go's zero
 * time (`0001-01-01T00:00:00Z`), which Alertmanager sends for a firing alert without one.
 */
function endTime(endsAt: string): number | undefined {
  const ms = Date.parse(endsAt);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * Turns Alertmanager notifications into sensor readings: an alert maps to the entity its `entityLabel`
 * names, and is published on that entity's `alert.<alertname>` sensor (boolean: firing or not; json:
 * `{ status, firing, alerts }` with every active alert's labels) and its `alerts` sensor (json: every
 * active alert of the entity). Notifications are deduplicated by fingerprint and state, so Alertmanager's
 * repeats publish nothing new. At most `maxActive` firing alerts are kept: a new one finding the sink full
 * makes room, first by dropping alerts whose `endsAt` has passed, then the one not heard of for longest.
 */
export class AlertSink {
  /** Firing alerts by fingerprint, the one heard of longest ago first. */
  private readonly active = new Map<string, KeptAlert>();
  private readonly resolved = new Map<string, string>();
  private readonly entityLabel: string;
  private readonly memory: number;
  private readonly maxActive: number;

  /** @throws RangeError when `maxActive` is not a whole number from 1 */
  constructor(private readonly tree: EntityTree, options: AlertSinkOptions = {}) {
    this.entityLabel = options.entityLabel ?? 'entity';
    this.memory = options.memory ?? 10_000;
    this.maxActive = options.maxActive ?? 10_000;
    if (!Number.isInteger(this.maxActive) || this.maxActive < 1) throw new RangeError(`AlertSink: maxActive must be a whole number from 1, got ${this.maxActive}`);
  }

  /** Applies one webhook payload. */
  receive(payload: WebhookPayload): AlertReceipt {
    let duplicates = 0;
    let published = 0;
    let evicted = 0;
    let expiredSwept = false;
    const unmatched: Array<{ fingerprint: string; reason: string }> = [];
    const touched = new Map<Entity, Set<string>>();
    for (const alert of payload.alerts) {
      const entityId = alert.labels[this.entityLabel];
      const entity = entityId === undefined ? undefined : this.tree.find(entityId);
      if (!entity) {
        unmatched.push({ fingerprint: alert.fingerprint, reason: entityId === undefined ? `no '${this.entityLabel}' label` : `no entity '${entityId}'` });
        continue;
      }
      const alertname = alert.labels['alertname'] ?? 'unnamed';
      const sensorName = `alert.${alertname}`;
      if (!(ALERT_SENSOR.test(alertname) && entity.hasSensor(sensorName)) && !entity.hasSensor('alerts')) {
        unmatched.push({ fingerprint: alert.fingerprint, reason: `'${entity.id}' has neither a sensor '${sensorName}' nor 'alerts'` });
        continue;
      }
      const previous = this.active.get(alert.fingerprint);
      // a firing notice for an alert already resolved (same startsAt) is old news arriving late, not a new firing
      const resolvedAt = this.resolved.get(alert.fingerprint);
      const seen = alert.status === 'firing' ? previous?.startsAt === alert.startsAt || resolvedAt === alert.startsAt : resolvedAt === alert.startsAt;
      if (seen) {
        // a repeat says the alert still fires: it becomes the last to be evicted, with its new endsAt
        if (alert.status === 'firing' && previous?.startsAt === alert.startsAt) this.refresh(previous, alert.endsAt);
        duplicates += 1;
        continue;
      }
      if (alert.status === 'firing' && previous === undefined && this.active.size >= this.maxActive) {
        // alerts past their endsAt go first (once a call: a walk over all kept), then the longest unheard of
        if (!expiredSwept) {
          expiredSwept = true;
          evicted += this.dropExpired(touched);
        }
        if (this.active.size >= this.maxActive) evicted += this.dropOldest(touched);
      }
      const state = { fingerprint: alert.fingerprint, alertname, status: alert.status, labels: alert.labels, annotations: alert.annotations, startsAt: alert.startsAt, endsAt: alert.endsAt, entity: entity.id };
      if (alert.status === 'firing') {
        // a new firing of a kept alert moves it to the newest place too
        this.active.delete(alert.fingerprint);
        this.active.set(alert.fingerprint, state);
      } else {
        this.forget(alert.fingerprint, alert.startsAt);
      }
      published += 1;
      const names = touched.get(entity) ?? new Set<string>();
      touched.set(entity, names.add(alertname));
    }
    for (const [entity, names] of touched) this.publish(entity, names);
    return { received: payload.alerts.length, published, duplicates, ...(evicted > 0 ? { evicted } : {}), unmatched };
  }

  /** Active (firing) alerts, optionally of one entity. */
  alerts(entity?: string): AlertState[] {
    return [...this.active.values()].filter((a) => entity === undefined || a.entity === entity).map(({ entity: _e, ...a }) => a);
  }

  /** Moves a kept alert to the newest place (the map's order is the eviction order) with its new endsAt. */
  private refresh(kept: KeptAlert, endsAt: string): void {
    this.active.delete(kept.fingerprint);
    this.active.set(kept.fingerprint, kept.endsAt === endsAt ? kept : { ...kept, endsAt });
  }

  /** Drops every kept alert whose endsAt has passed; @returns how many */
  private dropExpired(touched: Map<Entity, Set<string>>): number {
    const now = this.tree.scheduler.now();
    let dropped = 0;
    for (const kept of this.active.values()) {
      const endsAt = endTime(kept.endsAt);
      if (endsAt === undefined || endsAt > now) continue;
      this.drop(kept, touched);
      dropped += 1;
    }
    return dropped;
  }

  /** Drops the kept alert not heard of for longest; @returns how many (0 or 1) */
  private dropOldest(touched: Map<Entity, Set<string>>): number {
    const oldest = this.active.values().next();
    if (oldest.done === true) return 0;
    this.drop(oldest.value, touched);
    return 1;
  }

  /**
   * Stops keeping a firing alert without a resolution: its entity's sensors are published without it. Not
   * remembered as resolved, so a later notice of it (it may still fire) is taken as a new firing.
   */
  private drop(kept: KeptAlert, touched: Map<Entity, Set<string>>): void {
    this.active.delete(kept.fingerprint);
    const entity = this.tree.find(kept.entity);
    if (entity) touched.set(entity, (touched.get(entity) ?? new Set<string>()).add(kept.alertname));
  }

  private forget(fingerprint: string, startsAt: string): void {
    this.active.delete(fingerprint);
    this.resolved.set(fingerprint, startsAt);
    if (this.resolved.size > this.memory) this.resolved.delete(this.resolved.keys().next().value as string);
  }

  private publish(entity: Entity, names: ReadonlySet<string>): void {
    const all = this.alerts(entity.id);
    for (const alertname of names) {
      const sensorName = `alert.${alertname}`;
      if (!ALERT_SENSOR.test(alertname) || !entity.hasSensor(sensorName)) continue;
      const sensor = entity.sensor(sensorName);
      const mine = all.filter((a) => a.alertname === alertname);
      if (sensor.definition.schema instanceof z.ZodBoolean) sensor.publish(mine.length > 0);
      else sensor.publish({ status: mine.length > 0 ? 'firing' : 'resolved', firing: mine.length, alerts: mine });
    }
    if (entity.hasSensor('alerts')) entity.sensor('alerts').publish({ firing: all.length, names: [...new Set(all.map((a) => a.alertname))].sort(), alerts: all });
  }
}
