import type { Entity } from './entity.js';
import { booleanSensor } from '../sensors/define-sensor.js';

/**
 * `release.freeze`: the freeze switch. While it reads true on an entity, nothing that respects freezes
 * (releases, remediations) starts on that entity or anywhere below it. Set it through the API
 * (`POST /entities/<id>/sensors/release.freeze` with `{ "value": true }`), a feed, or code; it stays until
 * set to false (it never goes stale: a freeze must not lapse because nobody repeated it).
 */
export const FREEZE_SENSOR = booleanSensor('release.freeze', { description: 'freeze switch: true stops releases and remediations on this subtree until set to false' });

/** A freeze in force: which entity holds it, and since when (scheduler ms). */
export interface Freeze {
  readonly entity: string;
  readonly since: number;
}

/**
 * Gives an entity the freeze switch (idempotent), so that it can be set through the API; a switch without
 * a reading starts at false (not frozen). Whoever honours freezes on an entity calls this on it.
 */
export function ensureFreezeSwitch(entity: Entity): void {
  if (!entity.hasSensor(FREEZE_SENSOR.name)) entity.addSensor(FREEZE_SENSOR);
  const sensor = entity.sensor(FREEZE_SENSOR.name);
  if (sensor.current === undefined) sensor.publish(false);
}

/** The freeze that holds `entity`: its own or the nearest ancestor's; undefined when none does. */
export function freezeOf(entity: Entity): Freeze | undefined {
  for (let at: Entity | undefined = entity; at; at = at.parent) {
    if (!at.hasSensor(FREEZE_SENSOR.name)) continue;
    const reading = at.sensor<boolean>(FREEZE_SENSOR.name).current;
    if (reading?.value === true) return { entity: at.id, since: reading.at };
  }
  return undefined;
}

/** The first freeze that holds any of `entities`. */
export function firstFreeze(entities: Iterable<Entity>): Freeze | undefined {
  for (const entity of entities) {
    const freeze = freezeOf(entity);
    if (freeze) return freeze;
  }
  return undefined;
}

/** Sets or lifts the freeze switch on an entity (adding the switch when missing). */
export function setFreeze(entity: Entity, frozen: boolean): void {
  ensureFreezeSwitch(entity);
  entity.sensor(FREEZE_SENSOR.name).publish(frozen);
}
