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
 * rejected one, nothing after its subscription ended.
 */
export interface ReadingSink<T> {
  readonly [READING_SINK]: true;
  /** Takes one accepted reading of `origin`; a throw fails the sink's own stream, as from `next`. */
  nextReading(value: T, at: number, origin: ReadingOrigin): void;
  /** Fails the sink's stream (what a throw out of `nextReading` becomes). */
  error(error: unknown): void;
}

/** True when `subscriber` is a `ReadingSink`. */
export function isReadingSink<T>(subscriber: object): subscriber is ReadingSink<T> {
  return (subscriber as Partial<ReadingSink<T>>)[READING_SINK] === true;
}

/** The Observation of a reading handed to a sink, built when the sink needs the object. */
export function observationOf<T>(value: T, at: number, origin: ReadingOrigin): { entity: string; sensor: string; value: T; at: number } {
  return { entity: origin.entityId, sensor: origin.name, value, at };
}
