import { z } from 'zod';

/** Checks a raw value against a sensor schema; returns the parsed value or a problem description. */
export type ReadingValidator<T> = (raw: unknown) => { ok: true; value: T } | { ok: false; problem: string };

/**
 * Builds a validator for a schema. Plain `z.number()` and `z.boolean()` schemas take a fast path (the hot
 * loop validates every reading); everything else goes through zod.
 */
export function readingValidator<T>(schema: z.ZodType<T>): ReadingValidator<T> {
  if (isPlainNumber(schema)) {
    return ((raw: unknown) =>
      typeof raw === 'number' && Number.isFinite(raw)
        ? { ok: true, value: raw }
        : { ok: false, problem: `expected a finite number, got ${describe(raw)}` }) as ReadingValidator<T>;
  }
  if (schema instanceof z.ZodBoolean) {
    return ((raw: unknown) =>
      typeof raw === 'boolean' ? { ok: true, value: raw } : { ok: false, problem: `expected a boolean, got ${describe(raw)}` }) as ReadingValidator<T>;
  }
  return (raw: unknown) => {
    const result = schema.safeParse(raw);
    if (result.success) return { ok: true, value: result.data };
    return { ok: false, problem: result.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ') };
  };
}

function isPlainNumber(schema: z.ZodType): boolean {
  if (!(schema instanceof z.ZodNumber)) return false;
  const checks = (schema as unknown as { _zod: { def: { checks?: unknown[] } } })._zod.def.checks;
  return !checks || checks.length === 0;
}

function describe(raw: unknown): string {
  if (typeof raw === 'number') return String(raw);
  if (typeof raw === 'string') return `the string '${raw.length > 40 ? `${raw.slice(0, 40)}...` : raw}'`;
  return raw === null ? 'null' : typeof raw;
}
