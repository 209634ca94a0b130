/** Bounds of a JSON check: how deep a value may nest, and (optionally) how many values it may hold. */
export interface JsonBounds {
  readonly maxDepth: number;
  readonly maxNodes?: number;
  /** `undefined` accepted anywhere (a value left out); by default only as an object's value, as JSON leaves it out. */
  readonly undefinedAnywhere?: boolean;
}

/**
 * What is not plain JSON in a value, and where (a path of keys and indexes); undefined when it is JSON.
 * Plain JSON: objects of the plain prototype (or none), arrays, strings, finite numbers, booleans, null; a
 * circular reference, a bigint, a function, a symbol, NaN or a class instance is not, nor anything past the
 * bounds. The walk recurses per level, so `maxDepth` also bounds the stack it takes.
 */
export function nonJson(root: unknown, bounds: JsonBounds): { path: PropertyKey[]; problem: string } | undefined {
  const { maxDepth, maxNodes = Infinity, undefinedAnywhere = false } = bounds;
  let nodes = 0;
  const seen = new Set<object>();
  const path: PropertyKey[] = [];
  const visit = (value: unknown): string | undefined => {
    if (++nodes > maxNodes) return `more than ${maxNodes} values`;
    if (value === null || typeof value === 'string' || typeof value === 'boolean' || (value === undefined && undefinedAnywhere)) return undefined;
    if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${value} is not a finite number`;
    if (typeof value !== 'object') return `a ${typeof value} is not JSON`;
    if (path.length >= maxDepth) return `nested deeper than ${maxDepth} levels`;
    if (seen.has(value)) return 'a circular reference is not JSON';
    const proto = Object.getPrototypeOf(value) as unknown;
    if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return `an instance of ${(value as object).constructor?.name ?? 'a class'} is not plain JSON`;
    seen.add(value);
    // no array of entries per object: a plan's params are checked on every plan that has them
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = visitAt(i, value[i]);
        if (problem) return problem;
      }
    } else {
      for (const key of Object.keys(value)) {
        const item = (value as Record<string, unknown>)[key];
        // a key whose value is undefined is left out by JSON, as it is here
        if (item === undefined) continue;
        const problem = visitAt(key, item);
        if (problem) return problem;
      }
    }
    seen.delete(value);
    return undefined;
  };
  const visitAt = (key: PropertyKey, item: unknown): string | undefined => {
    path.push(key);
    const problem = visit(item);
    if (problem === undefined) path.pop();
    return problem;
  };
  const problem = visit(root);
  return problem === undefined ? undefined : { path: [...path], problem };
}
