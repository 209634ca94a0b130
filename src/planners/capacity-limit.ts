import type { Json } from '../knowledge/store.js';

/**
 * Brooklyn's capacity rule: when a resize fails for lack of capacity, remember the size the group had and
 * ask for no more than that until the size changes by other means or `retryMs` passes.
 */
export interface CapacityLimit {
  /** Largest size to ask for. */
  readonly limit: number;
  /** Size when the failure happened; a different size means the situation changed. */
  readonly sizeAtFailure: number;
  readonly at: number;
}

/** The limit in force now, or undefined when there is none (or it has expired). */
export function activeCapacityLimit(value: Json | undefined, currentSize: number, now: number, retryMs: number): CapacityLimit | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { limit, sizeAtFailure, at } = value as Record<string, Json>;
  if (typeof limit !== 'number' || typeof sizeAtFailure !== 'number' || typeof at !== 'number') return undefined;
  if (currentSize !== sizeAtFailure || now - at >= retryMs) return undefined;
  return { limit, sizeAtFailure, at };
}

/** The state to keep after a failure for lack of capacity. */
export function capacityLimitAfterFailure(currentSize: number, now: number): { limit: number; sizeAtFailure: number; at: number } {
  return { limit: currentSize, sizeAtFailure: currentSize, at: now };
}
