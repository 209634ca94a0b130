import { z } from 'zod';

/** What a sensor is: a name, a schema for its values and how old a reading may be before it is stale. */
export interface SensorDefinition<T> {
  /** Dotted name, e.g. `http.requests.rate`. */
  readonly name: string;
  /** Schema every reading must satisfy. */
  readonly schema: z.ZodType<T>;
  /** Readings older than this (ms) are stale; undefined means readings never go stale. */
  readonly staleAfterMs?: number;
  /** Unit of the value, for people and dashboards (`requests/s`, `ratio`, `seconds`). */
  readonly unit?: string;
  readonly description?: string;
  /** True when readings may be pushed from outside (API, `pushReading`); default false. */
  readonly pushable?: boolean;
  /**
   * Readings the HTTP service keeps for this sensor's history view from the start. Without it, history is
   * kept only once someone asks for it (the cost of an unwatched sensor stays the library's alone).
   */
  readonly history?: number;
}

const SENSOR_NAME = /^[a-z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*$/;

/**
 * Declares a sensor type.
 * @throws Error when the name is not a dotted identifier
 */
export function defineSensor<T>(definition: SensorDefinition<T>): SensorDefinition<T> {
  if (!SENSOR_NAME.test(definition.name)) {
    throw new Error(`sensor name '${definition.name}' must be dotted identifiers, e.g. 'http.requests.rate'`);
  }
  if (definition.history !== undefined && !(Number.isInteger(definition.history) && definition.history >= 1 && definition.history <= 10_000)) {
    throw new Error(`sensor '${definition.name}': history must be a whole number of readings from 1 to 10000, got ${definition.history}`);
  }
  return Object.freeze(withSharedShape(definition));
}

/** The fields of {@link SensorDefinition}, in the order every definition keeps them. */
const DEFINITION_KEYS: ReadonlySet<string> = new Set(['name', 'schema', 'staleAfterMs', 'unit', 'description', 'pushable', 'history']);

/**
 * A copy of `definition` with every field of {@link SensorDefinition} present (undefined when not given), in
 * one order, then any other own enumerable field (symbol keys too). Every definition then has the same hidden
 * class in V8: a copy by spread, from a call site that sees definitions of many shapes, gets a hidden class of
 * its own, and reading a field such a definition lacks (`staleAfterMs`, on every stale-input check) takes ~20x
 * as long.
 */
function withSharedShape<T>(definition: SensorDefinition<T>): SensorDefinition<T> {
  const copy: Record<string, unknown> = {
    name: definition.name,
    schema: definition.schema,
    staleAfterMs: definition.staleAfterMs,
    unit: definition.unit,
    description: definition.description,
    pushable: definition.pushable,
    history: definition.history,
  };
  // every other own enumerable field, symbol keys too, defined as a spread defines it (`copy[key] = …` would
  // drop a symbol key's field and take a `__proto__` key as the copy's prototype)
  for (const key of Reflect.ownKeys(definition)) {
    if ((typeof key === 'string' && DEFINITION_KEYS.has(key)) || !Object.prototype.propertyIsEnumerable.call(definition, key)) continue;
    Object.defineProperty(copy, key, { value: (definition as unknown as Record<PropertyKey, unknown>)[key], enumerable: true, writable: true, configurable: true });
  }
  return copy as unknown as SensorDefinition<T>;
}

/** A finite number sensor (NaN and infinities are rejected). */
export function numberSensor(name: string, options: Omit<SensorDefinition<number>, 'name' | 'schema'> = {}): SensorDefinition<number> {
  return defineSensor({ name, schema: z.number(), ...options });
}

/** A boolean sensor. */
export function booleanSensor(name: string, options: Omit<SensorDefinition<boolean>, 'name' | 'schema'> = {}): SensorDefinition<boolean> {
  return defineSensor({ name, schema: z.boolean(), ...options });
}
