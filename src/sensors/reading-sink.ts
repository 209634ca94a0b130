/** Where a reading came from, as a sensor hands it to a `ReadingSink`: enough to build its Observation. */
export interface ReadingOrigin {
  readonly entityId: string;
  readonly name: string;
}

/** The brand of a `ReadingSink`: a sensor checks for it when a subscriber attaches. */
export const READING_SINK: unique symbol = Symbol('homeostat.readingSink');

/**
 * A subscriber that can take a sensor's readings as value and time, without an Observation object per
 * reading. When such a subscriber is a sensor's only one, the sensor calls `nextReading` instead of `next`,
 * and the sink builds the Observation only when it keeps or emits one (a threshold analyzer: on a crossing).
 * What the sink sees is otherwise the same as through `next`: every accepted reading, in order, never a
 * rejected one, nothing after its subscription ended; except that a sink may answer a reading with a
 * `QuietRange`, and the sensor then keeps to itself the numbers strictly inside it until the sink's next
 * answer (they would change nothing in the sink: a threshold's level holds).
 */
export interface ReadingSink<T> {
  readonly [READING_SINK]: true;
  /**
   * Takes one accepted reading of `origin`; a throw fails the sink's own stream, as from `next`.
   * @returns the numbers the sink would ignore from now on (its state after this reading), or nothing: the
   *   sensor then hands it every reading
   */
  nextReading(value: T, at: number, origin: ReadingOrigin): QuietRange | void;
  /** Fails the sink's stream (what a throw out of `nextReading` becomes). */
  error(error: unknown): void;
}

/**
 * Numbers a `ReadingSink` would ignore in its present state: those strictly above `low` and strictly below
 * `high` (a threshold at level `normal` ignores everything between its bounds). A sink answers each reading
 * with one; a sensor skips the numbers inside the latest answer, which saves the call and the sink's memory
 * on the readings of a healthy fleet. Ranges are meant to be made once and shared (one per rule and level),
 * not one per reading. A range with NaN at either end is empty: nothing is skipped.
 */
export interface QuietRange {
  readonly low: number;
  readonly high: number;
}

/** The empty range: every reading reaches the sink (where a sensor starts, and after any change of sink). */
export const NOT_QUIET: QuietRange = Object.freeze({ low: Number.NaN, high: Number.NaN });

/** True when `subscriber` is a `ReadingSink`. */
export function isReadingSink<T>(subscriber: object): subscriber is ReadingSink<T> {
  return (subscriber as Partial<ReadingSink<T>>)[READING_SINK] === true;
}

/** The Observation of a reading handed to a sink, built when the sink needs the object. */
export function observationOf<T>(value: T, at: number, origin: ReadingOrigin): { entity: string; sensor: string; value: T; at: number } {
  return { entity: origin.entityId, sensor: origin.name, value, at };
}
