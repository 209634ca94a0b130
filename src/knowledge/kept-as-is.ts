/**
 * True for a value the store's copy gives back as it is: a primitive that is not a symbol (null is left to
 * the general copy, as is anything unexpected). A record whose scalar fields are all such values, and whose
 * objects are fresh or frozen, may be kept by the memory store without a copy (see `private-records`).
 */
export function keptAsIs(value: unknown): boolean {
  const type = typeof value;
  return type !== 'object' && type !== 'function' && type !== 'symbol';
}
