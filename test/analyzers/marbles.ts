import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { Observation } from '../../src/sensors/reading.js';

/** A TestScheduler that compares with vitest's deep equality. */
export function marbles(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** An observation of `value` (its `at` is filled in by `stamp`). */
export function obs<T>(value: T, at = 0, sensor = 'cpu'): Observation<T> {
  return { entity: 'e', sensor, value, at };
}
