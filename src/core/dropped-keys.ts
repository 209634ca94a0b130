/** A key of a raw config that its schema's parse left out: where it was, and the key. */
export interface DroppedKey {
  /** The path of the object that held the key (empty: the config itself). */
  readonly path: readonly (string | number)[];
  readonly key: string;
}

/** Deepest level looked at, and most values visited: a config is small, a hostile one is not walked whole. */
const MAX_DEPTH = 16;
const MAX_NODES = 10_000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The keys of `raw` that are missing from `parsed`, the result of a schema's successful parse of it: what a
 * non-strict object schema (`z.object`) drops without a word. A policy module or entity type written with
 * `z.object` would otherwise take a misspelt key (`treshold: 0.9`) and run on its default, silently. Walks
 * the objects and arrays both values share, in step, and stops where the parse made something else of a
 * value (a duration string read as milliseconds, a transform): only a key whose object survived the parse
 * as an object, without that key, is reported. Keys an object schema keeps (`z.looseObject`, `z.record`)
 * are never reported.
 */
export function droppedKeys(raw: unknown, parsed: unknown): DroppedKey[] {
  const found: DroppedKey[] = [];
  let nodes = 0;
  const walk = (from: unknown, to: unknown, path: (string | number)[]): void => {
    if (++nodes > MAX_NODES || path.length > MAX_DEPTH) return;
    if (Array.isArray(from) && Array.isArray(to)) {
      const length = Math.min(from.length, to.length);
      for (let i = 0; i < length; i++) walk(from[i], to[i], [...path, i]);
      return;
    }
    if (!isPlainObject(from) || !isPlainObject(to)) return;
    for (const key of Object.keys(from)) {
      if (Object.prototype.hasOwnProperty.call(to, key)) walk(from[key], to[key], [...path, key]);
      // a key given as undefined (an optional left out by a program) drops nothing anyone meant
      else if (from[key] !== undefined) found.push({ path, key });
    }
  };
  walk(raw, parsed, []);
  return found;
}
