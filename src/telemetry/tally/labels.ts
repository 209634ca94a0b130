/**
 * A label set as an object whose keys follow `names` (the order an exposition prints them), checked once,
 * when the label set first occurs.
 * @throws TypeError naming the metric and the label when a name is missing, unknown or not a string.
 */
export function orderedLabels<L extends string>(metric: string, names: readonly L[], labels: Readonly<Record<L, string>>): Record<string, string> {
  const ordered: Record<string, string> = {};
  for (const name of names) {
    const value: unknown = labels[name];
    if (typeof value !== 'string') throw new TypeError(`${metric}: label "${name}" must be a string, got ${value === undefined ? 'nothing' : typeof value}`);
    ordered[name] = value;
  }
  for (const name of Object.keys(labels)) {
    if (!(names as readonly string[]).includes(name)) throw new TypeError(`${metric}: unknown label "${name}" (labels: ${names.join(', ')})`);
  }
  return ordered;
}

/**
 * The value under `a` then `b` of a two-level map, made by `make(a, b)` the first time: two lookups of
 * strings the caller already holds, instead of a label object built and hashed per update.
 */
export function lookup2<T>(map: Map<string, Map<string, T>>, a: string, b: string, make: (a: string, b: string) => T): T {
  let inner = map.get(a);
  if (inner === undefined) map.set(a, (inner = new Map()));
  let value = inner.get(b);
  if (value === undefined) inner.set(b, (value = make(a, b)));
  return value;
}
