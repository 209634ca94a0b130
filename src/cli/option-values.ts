import { InvalidArgumentError } from 'commander';

// The values of the CLI's numeric options. Number() alone took '' and ' ' as 0 (`--port ''` served on a random
// port, `--stop-grace ''` gave no grace), read 0x10, 0b11 and 0o7 as hexadecimal, binary and octal, and rounded
// a whole number past 2^53 to another one: a value is now written in decimal digits, or it is refused.

/** A whole number in decimal digits (`42`), or undefined (blank, a sign, a radix prefix, an exponent, past 2^53). */
function wholeNumberOf(value: string): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A number of seconds in decimal digits with an optional fraction (`2`, `0.5`), or undefined. */
function decimalOf(value: string): number | undefined {
  return /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
}

/** A whole number from `min` to `max`, else a usage error with `expected`. */
function wholeNumberIn(value: string, min: number, max: number, expected: string): number {
  const n = wholeNumberOf(value);
  if (n === undefined || n < min || n > max) throw new InvalidArgumentError(expected);
  return n;
}

/** A number of seconds from `min` to `max`, else a usage error with `expected`. */
function secondsIn(value: string, min: number, max: number, expected: string): number {
  const n = decimalOf(value);
  if (n === undefined || n < min || n > max) throw new InvalidArgumentError(expected);
  return n;
}

/** `--port`: a whole number from 0 to 65535. */
export function port(value: string): number {
  return wholeNumberIn(value, 0, 65_535, 'a port is a whole number from 0 to 65535, in decimal digits');
}

/** `--lease`: milliseconds from 200 to 60000. */
export function leaseTime(value: string): number {
  return wholeNumberIn(value, 200, 60_000, 'a lease time is a whole number of milliseconds from 200 to 60000, in decimal digits');
}

/** `--max-connections`: from 1 to 1000000. */
export function connectionLimit(value: string): number {
  return wholeNumberIn(value, 1, 1_000_000, 'a connection limit is a whole number from 1 to 1000000, in decimal digits');
}

/** `--seed`, `--warmup`, `--duration`, `--min-replica-acks`: 0 or more, at most 2^53 - 1. */
export function wholeNumber(value: string): number {
  return wholeNumberIn(value, 0, Number.MAX_SAFE_INTEGER, `expected a whole number in decimal digits (such as 0, 7 or 900), at most ${Number.MAX_SAFE_INTEGER}`);
}

/** `--stop-grace`: seconds from 0 to 600. */
export function graceSeconds(value: string): number {
  return secondsIn(value, 0, 600, 'a stop grace is a number of seconds from 0 to 600, in decimal digits (such as 10 or 2.5)');
}

/** `--request-timeout`: seconds from 0.001 to 600. */
export function requestTimeoutSeconds(value: string): number {
  return secondsIn(value, 0.001, 600, 'a request timeout is a number of seconds from 0.001 to 600, in decimal digits (such as 60 or 0.5)');
}

/**
 * A parser for text that must say something: a blank value is refused (`--redis ''` ran with knowledge in
 * memory, `--chart ''` drew no chart, `init ''` wrote into the current directory, each without a word).
 * @param expected what the value is, for the refusal (`a Redis URL`)
 */
export function nonBlank(expected: string): (value: string) => string {
  return (value) => {
    if (value.trim() === '') throw new InvalidArgumentError(`expected ${expected}, not a blank value`);
    return value;
  };
}

/**
 * `parse` for an option that takes one value: given again, it is refused, naming the first value (commander
 * keeps the last, so `--port 1 --port 2` listened on 2 and `--trace typo.delta --trace day.delta` read the
 * second, without a word).
 */
export function once<T>(flag: string, parse: (value: string) => T): (value: string, previous: T | undefined) => T {
  return (value, previous) => {
    if (previous !== undefined) throw new InvalidArgumentError(`${flag} is given twice (first '${String(previous)}'): give it once`);
    return parse(value);
  };
}

/** A parser that takes one of `choices` (as commander's own `choices` does, which `once` would replace). */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
    return value as T;
  };
}
