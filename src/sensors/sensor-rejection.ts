import type { RejectedReading } from './reading.js';
import { describeValue } from './reading-validator.js';

/** The report of a rejected reading of `sensor`: where it came from, what it was, when, and what is wrong. */
export function rejectedReading(sensor: { readonly entityId: string; readonly name: string }, value: unknown, at: number, problem: string): RejectedReading {
  return { entity: sensor.entityId, sensor: sensor.name, value, at, problem };
}

/** What is wrong with a reading's explicit time `at` that is not a finite number. */
export function timeProblem(at: unknown): string {
  return `expected the time to be a finite number of milliseconds, got ${describeValue(at)}`;
}
