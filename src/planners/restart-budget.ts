import type { Json } from '../knowledge/store.js';

/**
 * Counts restarts inside a sliding window (Brooklyn's "fail on recurring failures in this duration"):
 * restart while fewer than `maxRestarts` happened within `windowMs`, give up otherwise.
 */
export function restartDecision(history: readonly number[], now: number, maxRestarts: number, windowMs: number): { restart: boolean; recent: number[] } {
  const recent = history.filter((at) => at > now - windowMs);
  return { restart: recent.length < maxRestarts, recent };
}

/** Reads restart timestamps from policy state. */
export function readStamps(value: Json | undefined): number[] {
  return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
}

/**
 * Time from the first restart to the check after the `restarts`-th one, with a backoff that starts at
 * `first` ms and doubles up to `max` ms: a restart window must be longer than this, or it never fills.
 */
export function backoffSpan(first: number, max: number, restarts: number): number {
  let span = 0;
  for (let i = 0, delay = first; i < restarts; i++, delay = Math.min(max, delay * 2)) span += Math.min(max, delay);
  return span;
}

/** Removes one stamp equal to `at` (a planned restart that did not run); the others stay. */
export function withoutStamp(stamps: readonly number[], at: unknown): number[] {
  const index = typeof at === 'number' ? stamps.lastIndexOf(at) : -1;
  return index < 0 ? [...stamps] : [...stamps.slice(0, index), ...stamps.slice(index + 1)];
}
