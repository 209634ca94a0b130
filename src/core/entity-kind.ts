import { SERVICE_STATE, SERVICE_UP } from './lifecycle.js';
import { ESCALATION, SCALE_FLOOR, escalateEffector, setFloorEffector } from './standard-effectors.js';
import type { SensorDefinition } from '../sensors/define-sensor.js';
import type { AnyEffectorDefinition } from '../effectors/define-effector.js';

/**
 * The sensors and effectors an entity starts with, resolved once and shared by every entity made from the
 * same definitions (a tree of a million servers of one type holds one of these, not a million maps).
 *
 * Resolution is what adding them one by one to an empty entity gives: the standard sensors first
 * (`service.up` and `service.state` with the staleness bound, unit and description a spec declares for the
 * same name), then the declared ones, the first definition of a name winning; the standard effectors, then
 * the declared ones, a later definition of a name replacing the earlier one in place.
 */
export interface EntityKind {
  /** Sensor definitions in the order the entity lists them. */
  readonly sensors: readonly SensorDefinition<unknown>[];
  /** Position of each sensor name in `sensors`. */
  readonly sensorIndex: ReadonlyMap<string, number>;
  /** Effector definitions by name, in the order the entity lists them. */
  readonly effectors: ReadonlyMap<string, AnyEffectorDefinition>;
}

interface CachedKind {
  readonly declaredSensors: readonly SensorDefinition<unknown>[];
  readonly declaredEffectors: readonly AnyEffectorDefinition[];
  readonly kind: EntityKind;
}

/** Kinds recently resolved, by their first declared sensor (or `NO_SENSORS`); a few per key, newest first. */
const cache = new WeakMap<object, CachedKind[]>();
const NO_SENSORS = {};
/** Kinds kept per key: a blueprint that gives every entity definitions of its own must not grow a list. */
const KINDS_PER_KEY = 4;

/** The kind for these declared sensors and effectors: a cached one when the same definitions were seen. */
export function entityKind(declaredSensors: readonly SensorDefinition<unknown>[] = [], declaredEffectors: readonly AnyEffectorDefinition[] = []): EntityKind {
  const key = declaredSensors[0] ?? NO_SENSORS;
  const seen = cache.get(key);
  const hit = seen?.find((c) => sameItems(c.declaredSensors, declaredSensors) && sameItems(c.declaredEffectors, declaredEffectors));
  if (hit) return hit.kind;
  const kind = resolveKind(declaredSensors, declaredEffectors);
  // copies: a caller that changes its arrays later must not change what the cache matches against
  const entry: CachedKind = { declaredSensors: [...declaredSensors], declaredEffectors: [...declaredEffectors], kind };
  cache.set(key, [entry, ...(seen ?? []).slice(0, KINDS_PER_KEY - 1)]);
  return kind;
}

function resolveKind(declaredSensors: readonly SensorDefinition<unknown>[], declaredEffectors: readonly AnyEffectorDefinition[]): EntityKind {
  const sensors: SensorDefinition<unknown>[] = [];
  const sensorIndex = new Map<string, number>();
  const standard = [declaredBound(SERVICE_UP, declaredSensors), declaredBound(SERVICE_STATE, declaredSensors), ESCALATION, SCALE_FLOOR] as SensorDefinition<unknown>[];
  for (const definition of [...standard, ...declaredSensors]) {
    if (sensorIndex.has(definition.name)) continue;
    sensorIndex.set(definition.name, sensors.length);
    sensors.push(definition);
  }
  const effectors = new Map<string, AnyEffectorDefinition>();
  for (const definition of [escalateEffector as AnyEffectorDefinition, setFloorEffector as AnyEffectorDefinition, ...declaredEffectors]) effectors.set(definition.name, definition);
  return Object.freeze({ sensors: Object.freeze(sensors), sensorIndex, effectors });
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A standard sensor with the staleness bound (and unit, description) a spec declares for the same name: the
 * standard schema stays, so a blueprint's `staleAfter` on `service.up` is honoured rather than ignored.
 */
function declaredBound<T>(standard: SensorDefinition<T>, declared: readonly SensorDefinition<unknown>[]): SensorDefinition<T> {
  const own = declared.find((d) => d.name === standard.name);
  if (!own) return standard;
  return {
    ...standard,
    ...(own.staleAfterMs === undefined ? {} : { staleAfterMs: own.staleAfterMs }),
    ...(own.unit === undefined ? {} : { unit: own.unit }),
    ...(own.description === undefined ? {} : { description: own.description }),
  };
}
