/**
 * "Did you mean" for unknown keys: finds the keys a zod schema knows at a path (through defaults,
 * optionals, pipes, arrays, unions and intersections) and the one closest to a misspelling.
 */

import { droppedKeys, type DroppedKey } from '../core/dropped-keys.js';

/** The parts of a zod definition that lead to nested schemas (zod 4's `_zod.def`). */
interface SchemaDef {
  readonly type: string;
  readonly shape?: Readonly<Record<string, unknown>>;
  readonly innerType?: unknown;
  readonly in?: unknown;
  readonly element?: unknown;
  readonly options?: readonly unknown[];
  readonly left?: unknown;
  readonly right?: unknown;
  readonly valueType?: unknown;
  readonly getter?: () => unknown;
  /** An object's schema for the keys its shape does not name: never (strict), absent (they are dropped). */
  readonly catchall?: unknown;
}

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** The object schemas a value at this schema may be checked against, wrappers removed. */
function objectsOf(schema: unknown, depth = 0): unknown[] {
  const def = defOf(schema);
  if (!def || depth > 20) return [];
  switch (def.type) {
    case 'object':
      return [schema];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return objectsOf(def.innerType, depth + 1);
    case 'pipe':
      return objectsOf(def.in, depth + 1);
    case 'lazy':
      return def.getter ? objectsOf(def.getter(), depth + 1) : [];
    case 'union':
      return (def.options ?? []).flatMap((o) => objectsOf(o, depth + 1));
    case 'intersection':
      return [...objectsOf(def.left, depth + 1), ...objectsOf(def.right, depth + 1)];
    default:
      return [schema];
  }
}

/** The schemas that check the value at `segment` below `schema`. */
function childrenOf(schema: unknown, segment: PropertyKey): unknown[] {
  return objectsOf(schema).flatMap((s) => {
    const def = defOf(s);
    if (def?.type === 'object') return def.shape && typeof segment === 'string' && Object.hasOwn(def.shape, segment) ? [def.shape[segment]] : [];
    if (def?.type === 'array') return [def.element];
    if (def?.type === 'record') return [def.valueType];
    return [];
  });
}

/**
 * True when every schema that may check the object at `path` is an object schema that does not know `key`:
 * a key its parse dropped as unknown. False where any of them knows the key (a transform read it and made
 * something else), keeps keys its shape does not name (a catch-all, whose keys a transform may then read), or
 * is not an object schema (a record, a custom type or a union variant may take anything).
 */
export function isUnknownKeyAt(schema: unknown, path: readonly PropertyKey[], key: string): boolean {
  let current = [schema];
  for (const segment of path) current = current.flatMap((s) => childrenOf(s, segment));
  const candidates = current.flatMap((s) => objectsOf(s));
  return candidates.length > 0 && candidates.every((s) => {
    const def = defOf(s);
    // a catch-all (z.looseObject, .passthrough(), .catchall()) keeps every key: one missing from the result
    // was read by a transform after it, not dropped
    const keepsOthers = def?.catchall !== undefined && defOf(def.catchall)?.type !== 'never';
    return def?.type === 'object' && def.shape !== undefined && !Object.hasOwn(def.shape, key) && !keepsOthers;
  });
}

/**
 * The keys of `raw` that `schema`'s successful parse (`parsed`) dropped as unknown: those no object schema at
 * their place knows (see `droppedKeys` and `isUnknownKeyAt`).
 */
export function unknownDroppedKeys(schema: unknown, raw: unknown, parsed: unknown): DroppedKey[] {
  return droppedKeys(raw, parsed).filter(({ path, key }) => isUnknownKeyAt(schema, path, key));
}

/** Every key the schema knows for an object at `path` (empty when it cannot tell). */
export function knownKeysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let current = [schema];
  for (const segment of path) current = current.flatMap((s) => childrenOf(s, segment));
  const keys = current.flatMap(objectsOf).flatMap((s) => Object.keys(defOf(s)?.shape ?? {}));
  return [...new Set(keys)];
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  // three rows of the table (the one two back, for a swap), not the whole table: a suggestion is looked for
  // on every unknown key, and a blueprint can have tens of thousands of them
  let before = new Array<number>(y.length + 1).fill(0);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  let row = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i++) {
    row[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, (before[j - 2] as number) + 1);
      row[j] = best;
    }
    [before, previous, row] = [previous, row, before];
  }
  return previous[y.length] as number;
}

/** The known key closest to `key`, when one is close enough to be a likely misspelling. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(key.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    // the distance is at least the difference in length: a candidate that far off needs no table
    if (Math.abs(candidate.length - key.length) > limit) continue;
    const distance = editDistance(key, candidate);
    if (distance <= limit && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** `unknown key 'maxRestart' (did you mean 'maxRestarts'?)`, or with the known keys when none is close. */
export function unknownKeyMessage(key: string, allKnown: readonly string[]): string {
  // a union's other variants may know the key: it is still wrong here, so it is no suggestion
  const known = allKnown.filter((k) => k !== key);
  const suggestion = closestKey(key, known);
  if (suggestion) return `unknown key '${key}' (did you mean '${suggestion}'?)`;
  return known.length > 0 ? `unknown key '${key}' (known: ${[...known].sort().join(', ')})` : `unknown key '${key}'`;
}
