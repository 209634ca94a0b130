/**
 * Exponential backoff with jitter. Written here rather than taken from a retry library because the delays
 * must run on the injected scheduler (virtual time in tests and simulation) and the jitter must come from an
 * injectable random source (a simulation with a seed is deterministic).
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. Default 3. */
  readonly maxAttempts: number;
  /** Delay before the first retry, in ms. Default 200. */
  readonly initialDelayMs: number;
  /** Upper bound of any delay, in ms. Default 10 000. */
  readonly maxDelayMs: number;
  /** Growth factor per attempt. Default 2. */
  readonly multiplier: number;
}

/** The defaults used when an effector declares no retry policy. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 10_000, multiplier: 2 };

/**
 * Delay before retry number `retry` (1-based), with "equal jitter": half fixed, half random, so retries of
 * many entities spread out while each still waits at least half the nominal delay.
 * @param random source of uniform values in [0, 1)
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const nominal = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, retry - 1));
  return nominal / 2 + (nominal / 2) * random();
}
