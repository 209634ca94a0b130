import { z } from 'zod';

/** Deepest nesting a JSON reading may have: deeper is refused, not walked (the walk recurses per level). */
const MAX_JSON_DEPTH = 256;

/** What is not plain JSON in a value, and where (a path of keys and indexes); undefined when it is JSON. */
export function nonJson(root: unknown): { path: PropertyKey[]; problem: string } | undefined {
  const seen = new Set<object>();
  const path: PropertyKey[] = [];
  const visit = (value: unknown): string | undefined => {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
    if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${value} is not a finite number`;
    if (typeof value !== 'object') return `a ${typeof value} is not JSON`;
    if (seen.has(value)) return 'a circular reference is not JSON';
    if (path.length >= MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
    const proto = Object.getPrototypeOf(value) as unknown;
    if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return `an instance of ${(value as object).constructor?.name ?? 'a class'} is not plain JSON`;
    seen.add(value);
    const entries: Array<[PropertyKey, unknown]> = Array.isArray(value) ? value.map((item, i) => [i, item]) : Object.entries(value);
    for (const [key, item] of entries) {
      // a key whose value is undefined is left out by JSON, as it is here
      if (item === undefined && !Array.isArray(value)) continue;
      path.push(key);
      const problem = visit(item);
      if (problem) return problem;
      path.pop();
    }
    seen.delete(value);
    return undefined;
  };
  const problem = visit(root);
  return problem === undefined ? undefined : { path: [...path], problem };
}

/**
 * The schema of a `type: json` sensor: any plain JSON value (objects, arrays, strings, finite numbers,
 * booleans, null). A circular object, a bigint, a function, a symbol, NaN or a class instance is refused:
 * kept as the current value, it would fail whatever serializes it later (the API, a store, a stream).
 */
export const jsonValueSchema = z.unknown().superRefine((value, ctx) => {
  const found = nonJson(value);
  if (found) ctx.addIssue({ code: 'custom', message: found.problem, path: found.path });
});
