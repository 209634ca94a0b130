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
   * Firing alerts kept (each until its resolution arrives). Default 10 000. Past it a new firing alert is
   * unmatched, with the reason, until some resolve: with `send_resolved: false`, lost resolutions or labels
   * that change, they would otherwise only grow.
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
  /** Alerts that name no entity of the tree, or an entity without an alert sensor. */
  readonly unmatched: ReadonlyArray<{ readonly fingerprint: string; readonly reason: string }>;
}

const ALERT_SENSOR = /^[a-zA-Z0-9_]+$/;

/**
 * Turns Alertmanager notifications into sensor readings: an alert maps to the entity its `entityLabel`
 * names, and is published on that entity's `alert.<alertname>` sensor (boolean: firing or not; json:
 * `{ status, firing, alerts }` with every active alert's labels) and its `alerts` sensor (json: every
 * active alert of the entity). Notifications are deduplicated by fingerprint and state, so Alertmanager's
 * repeats publish nothing new.
 */
export class AlertSink {
  private readonly active = new Map<string, AlertState & { entity: string }>();
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
        duplicates += 1;
        continue;
      }
      if (alert.status === 'firing' && previous === undefined && this.active.size >= this.maxActive) {
        unmatched.push({ fingerprint: alert.fingerprint, reason: `${this.maxActive} alerts are firing already, the most kept (maxActive): this one is not published until some resolve` });
        continue;
      }
      const state = { fingerprint: alert.fingerprint, alertname, status: alert.status, labels: alert.labels, annotations: alert.annotations, startsAt: alert.startsAt, endsAt: alert.endsAt, entity: entity.id };
      if (alert.status === 'firing') this.active.set(alert.fingerprint, state);
      else this.forget(alert.fingerprint, alert.startsAt);
      published += 1;
      const names = touched.get(entity) ?? new Set<string>();
      touched.set(entity, names.add(alertname));
    }
    for (const [entity, names] of touched) this.publish(entity, names);
    return { received: payload.alerts.length, published, duplicates, unmatched };
  }

  /** Active (firing) alerts, optionally of one entity. */
  alerts(entity?: string): AlertState[] {
    return [...this.active.values()].filter((a) => entity === undefined || a.entity === entity).map(({ entity: _e, ...a }) => a);
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
