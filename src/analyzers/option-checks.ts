import { describeValue } from '../sensors/reading-validator.js';

/**
 * Checks of analyzer options, made when the operator is made: a value that cannot work (NaN from a missing
 * config field, a zero or negative duration, a fraction out of range) is a RangeError naming the analyzer,
 * the option and the value, rather than an analyzer that never emits or never stops scheduling.
 */
function refuse(analyzer: string, option: string, expected: string, value: unknown): never {
  throw new RangeError(`${analyzer}: \`${option}\` must be ${expected}, got ${describeValue(value)}`);
}

/** `value` when it is a finite number above 0 (ms); else a RangeError. */
export function positiveMs(analyzer: string, option: string, value: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  return refuse(analyzer, option, 'a positive finite number of milliseconds', value);
}

/** `value` when it is a finite number of 0 or more (ms); else a RangeError. */
export function nonNegativeMs(analyzer: string, option: string, value: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  return refuse(analyzer, option, 'a finite number of 0 or more milliseconds', value);
}

/** `value` when it is a finite number above 0; else a RangeError. */
export function positiveNumber(analyzer: string, option: string, value: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  return refuse(analyzer, option, 'a positive finite number', value);
}

/** `value` when it is a number from 0 to 1; else a RangeError. */
export function fraction(analyzer: string, option: string, value: number): number {
  if (typeof value === 'number' && value >= 0 && value <= 1) return value;
  return refuse(analyzer, option, 'a number from 0 to 1', value);
}

/** `value` when it is a whole number of 1 or more; else a RangeError. */
export function wholeNumber(analyzer: string, option: string, value: number): number {
  if (Number.isInteger(value) && value >= 1) return value;
  return refuse(analyzer, option, 'a whole number of 1 or more', value);
}
