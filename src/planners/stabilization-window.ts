import type { Json } from '../knowledge/store.js';

/** A timestamped recommendation, as kept in policy state. */
export type Recommendation = [at: number, desired: number];

/**
 * HPA-style stabilization over a window of recommendations: for scale-down the highest recommendation in
 * the window wins (capacity falls only once every recent recommendation agrees); for scale-up the lowest.
 * The history is plain JSON so it lives in policy state and survives a restart. A recommendation made
 * exactly `windowMs` ago still counts; with a window of 0 it returns undefined (use the current one).
 */
export function stabilize(history: readonly Recommendation[], now: number, windowMs: number, pick: 'max' | 'min'): number | undefined {
  if (windowMs <= 0) return undefined; // no window: the current recommendation stands alone
  let result: number | undefined;
  for (const [at, desired] of history) {
    if (at < now - windowMs) continue;
    result = result === undefined ? desired : pick === 'max' ? Math.max(result, desired) : Math.min(result, desired);
  }
  return result;
}

/** Appends a recommendation and drops those older than `keepMs`. */
export function remember(history: readonly Recommendation[], entry: Recommendation, keepMs: number): Recommendation[] {
  return [...history.filter(([at]) => at >= entry[0] - keepMs), entry];
}

/** Reads a recommendation history from policy state, tolerating absent or malformed values. */
export function readHistory(value: Json | undefined): Recommendation[] {
  if (!Array.isArray(value)) return [];
  return value.filter((e): e is Recommendation => Array.isArray(e) && e.length === 2 && typeof e[0] === 'number' && typeof e[1] === 'number');
}
