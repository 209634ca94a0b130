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
