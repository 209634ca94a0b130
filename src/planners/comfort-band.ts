/**
 * A response-time comfort band with hysteresis: the service is `comfortable` once its response time falls
 * to `enter` or below, and stays so until it rises above `leave` (at least `enter`). Between the two the
 * previous state holds, so a response time that wanders around one threshold does not flip it each
 * reading. While comfortable, the autoscaler holds its metrics at their relaxed targets (members run
 * hotter, as a response-time-aware scale-down would); otherwise at their normal targets.
 */
export interface ComfortBand {
  /** Response time at or below which the service becomes comfortable. */
  readonly enter: number;
  /** Response time above which it stops being comfortable. */
  readonly leave: number;
}

/**
 * The next comfort state after a response-time reading. Without a reading (nothing completed in the
 * period, or the sensor is stale) the state is kept: no reading is no evidence either way.
 */
export function nextComfort(previous: boolean, responseTime: number | undefined, band: ComfortBand): boolean {
  if (responseTime === undefined || !Number.isFinite(responseTime)) return previous;
  if (responseTime <= band.enter) return true;
  if (responseTime > band.leave) return false;
  return previous;
}
