/** Nesting past which a value is left to `structuredClone` (it may be a cycle). */
const MAX_PLAIN_DEPTH = 64;

/** @internal thrown inside the plain copy when the value is not a tree of plain objects, arrays and primitives. */
export const NOT_PLAIN = Symbol('not plain');

/**
 * A deep copy of a record as a store keeps it. A tree of plain objects, arrays and primitives (every record
 * the loop writes) is copied by hand, several times faster than `structuredClone` on the small records
 * written at every decision; any other value (a Date, a Map, a cycle, a function) is handed whole to
 * `structuredClone`, so what it copies and what it refuses is exactly what `structuredClone` does.
 * @throws DOMException (DataCloneError) for a value `structuredClone` cannot copy
 */
export function copyRecord<T>(value: T): T {
  try {
    return copyPlain(value, 0) as T;
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
    return structuredClone(value);
  }
}

/**
 * @internal the hand copy of `value` found at nesting `depth` of a record (the record itself is at 0).
 * @throws NOT_PLAIN when the value is not a tree of plain objects, arrays and primitives within the depth bound
 */
export function copyPlain(value: unknown, depth: number): unknown {
  if (value === null) return null;
  const type = typeof value;
  if (type === 'function' || type === 'symbol') throw NOT_PLAIN;
  if (type !== 'object') return value;
  if (depth > MAX_PLAIN_DEPTH) throw NOT_PLAIN;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyPlain(value[i], depth + 1);
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    // an own `__proto__` key (JSON.parse makes one) assigned here would set the copy's prototype and lose the
    // key: structuredClone keeps it as data
    if (key === '__proto__') throw NOT_PLAIN;
    out[key] = copyPlain(source[key], depth + 1);
  }
  return out;
}
