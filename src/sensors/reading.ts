/** One observed value of a sensor, stamped with the scheduler's time in milliseconds. */
export interface Reading<T> {
  readonly value: T;
  readonly at: number;
}

/**
 * A reading tagged with where it came from: what analyzers consume and what a Decision lists as its inputs.
 */
export interface Observation<T = unknown> extends Reading<T> {
  readonly entity: string;
  readonly sensor: string;
  /** True when the reading was older than the sensor's staleness bound when it was used. */
  readonly stale?: boolean;
}

/**
 * A reading that failed its sensor's schema, or was published with a time that is not a finite number (then
 * `at` is the scheduler's time of the rejection): counted and reported, never propagated.
 */
export interface RejectedReading {
  readonly entity: string;
  readonly sensor: string;
  readonly value: unknown;
  readonly at: number;
  readonly problem: string;
}
