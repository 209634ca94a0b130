import type { FastifyBaseLogger } from 'fastify';
import type { Entity } from '../core/entity.js';
import { describeError } from '../core/errors.js';
import type { Knowledge } from '../knowledge/knowledge.js';
import type { SensorSnapshot } from '../knowledge/store.js';
import type { FirstSightings } from '../core/first-sightings.js';

/** One sensor as `GET /entities/:id` shows it. */
export interface SensorView {
  readonly name: string;
  /** The current reading's value and time (ms); null before the first reading since this service started. */
  readonly value: unknown;
  readonly at: number | null;
  readonly stale: boolean;
  readonly unit: string | null;
  readonly staleAfterMs: number | null;
  /** Readings refused by the sensor's schema since the start. */
  readonly rejected: number;
  /**
   * While the sensor has had no reading since this service started: the reading stored when a service last
   * stopped (value and time), null when none is stored. Shown, never taken as current: no policy sees it.
   */
  readonly stored: { readonly value: unknown; readonly at: number } | null;
}

/**
 * The entity's sensors as the API shows them. Only the sensors without a reading since the start are looked up
 * in knowledge (one read for them all); a store that cannot be read, or a stored snapshot it cannot read, leaves
 * `stored` null and is logged as a warning (a damaged snapshot once per field in `warned`, not on every request
 * a console makes): the answer is the entity's live view either way.
 */
export async function sensorViews(entity: Entity, knowledge: Knowledge, now: number, log: FastifyBaseLogger, warned: FirstSightings): Promise<SensorView[]> {
  const sensors = entity.sensors;
  const unread = sensors.filter((s) => s.current === undefined).map((s) => s.name);
  const stored = new Map<string, SensorSnapshot>();
  if (unread.length > 0) {
    try {
      const found = await knowledge.storedSnapshots(entity.id, unread, (part) => {
        if (warned.first(`${part.key}\u0000${part.entity}\u0000${part.sensor}`)) log.warn({ key: part.key, entity: part.entity, sensor: part.sensor }, `stored snapshot of ${part.entity}/${part.sensor} skipped: it ${part.problem}`);
      });
      for (const snapshot of found) stored.set(snapshot.sensor, snapshot);
    } catch (error) {
      log.warn({ entity: entity.id }, `stored snapshots of ${entity.id} not read: ${describeError(error)}`);
    }
  }
  return sensors.map((s) => {
    const current = s.current;
    const snapshot = current === undefined ? stored.get(s.name) : undefined;
    return {
      name: s.name,
      value: current?.value ?? null,
      at: current?.at ?? null,
      stale: s.isStale(now),
      unit: s.definition.unit ?? null,
      staleAfterMs: s.definition.staleAfterMs ?? null,
      rejected: s.rejectedCount,
      stored: snapshot === undefined ? null : { value: snapshot.value, at: snapshot.at },
    };
  });
}
