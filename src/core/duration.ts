import { z } from 'zod';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

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

/** Zod schema for a duration in blueprints and configs; the parsed value is milliseconds. */
export const durationSchema = z.union([z.number(), z.string()]).transform((input, ctx) => {
  const ms = parseDuration(input);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `'${String(input)}' is not a duration (a number of seconds, or e.g. 500ms, 30s, 5m, 1h)`,
    });
    return z.NEVER;
  }
  return ms;
});
