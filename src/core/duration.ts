import { z } from 'zod';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * The longest duration a config may give: 2^31 - 1 ms (about 24.8 days). Node's timers (which RxJS's
 * async scheduler uses) hold no more: a longer delay is clamped to 1 ms with a warning, so a loop meant
 * to wait a month would spin instead.
 */
export const MAX_DURATION_MS = 2_147_483_647;

/**
 * Parses a duration: a number of seconds, or a string such as `250ms`, `30s`, `5m`, `1h`, `1d`.
 * @returns milliseconds, or undefined when the text is not a duration
 */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input * 1000 : undefined;
  const match = DURATION.exec(input.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * (UNIT_MS[unit ?? 's'] ?? 1000);
}

/** A duration for people: `90 s`, `2.5 h`, `30 d`. */
export function describeDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const [unit, size] = ms >= 86_400_000 ? ['d', 86_400_000] : ms >= 3_600_000 ? ['h', 3_600_000] : ms >= 60_000 ? ['min', 60_000] : ['s', 1000];
  return `${Math.round((ms / (size as number)) * 10) / 10} ${unit as string}`;
}

/** What a duration is written as, for problems. */
const A_DURATION = 'a duration (a number of seconds, or e.g. 500ms, 30s, 5m, 1h)';

/** Every schema `boundedDuration` made: generated docs show them as durations. */
const DURATIONS = new WeakSet<object>();

/** Bounds of a duration setting, in milliseconds. */
export interface DurationBounds {
  /** Default 0. Intervals, windows and timeouts use `intervalSchema` (at least 1 ms). */
  readonly minMs?: number;
  /** Default and at most `MAX_DURATION_MS`. */
  readonly maxMs?: number;
}

/**
 * A duration schema with bounds: accepts seconds or a string with a unit and yields milliseconds. Every
 * duration in blueprints and configs goes through this, so none can overflow a timer.
 */
export function boundedDuration(bounds: DurationBounds = {}): z.ZodType<number, string | number> {
  const minMs = bounds.minMs ?? 0;
  const maxMs = Math.min(bounds.maxMs ?? MAX_DURATION_MS, MAX_DURATION_MS);
  const schema = z.union([z.number(), z.string()], { error: (issue) => (issue.input === undefined ? `required: ${A_DURATION}` : `${describeInput(issue.input)} is not ${A_DURATION}`) }).transform((input, ctx) => {
    const ms = parseDuration(input);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `'${String(input)}' is not ${A_DURATION}` });
      return z.NEVER;
    }
    if (ms > maxMs) {
      const why = maxMs === MAX_DURATION_MS ? `at most ${MAX_DURATION_MS} ms (about 24.8 d), the longest a timer can wait` : `at most ${describeDuration(maxMs)}`;
      ctx.addIssue({ code: 'custom', message: `'${String(input)}' is ${describeDuration(ms)}: a duration here is ${why}` });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `'${String(input)}' is too short: this must be at least ${describeDuration(minMs)} (0 would make a loop spin)` });
      return z.NEVER;
    }
    return ms;
  });
  DURATIONS.add(schema);
  return schema;
}


/** True for a schema made by `boundedDuration` (`durationSchema`, `intervalSchema`...), e.g. for generated docs. */
export function isDurationSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && DURATIONS.has(schema);
}

function describeInput(input: unknown): string {
  return typeof input === 'number' ? String(input) : input === null ? 'null' : typeof input === 'object' ? Array.isArray(input) ? 'a list' : 'an object' : `'${String(input)}'`;
}

/** Zod schema for a duration in blueprints and configs (0 to `MAX_DURATION_MS`); the parsed value is milliseconds. */
export const durationSchema = boundedDuration();

/** A duration that must not be zero: an interval, a window, a timeout (1 ms to `MAX_DURATION_MS`). */
export const intervalSchema = boundedDuration({ minMs: 1 });
