import { z } from 'zod';

/** Returned by a validator for a value that fails the schema. */
export const INVALID: unique symbol = Symbol('invalid reading');

/**
 * Checks a raw value against a sensor schema: returns the parsed value, or `INVALID` (then `explain` says
 * why). Returning a sentinel rather than a result object keeps the hot path free of allocations.
 */
export interface ReadingValidator<T> {
  check(raw: unknown): T | typeof INVALID;
  explain(raw: unknown): string;
}

/** The validator of plain `z.number()` sensors (finite numbers only). */
export const finiteNumber: ReadingValidator<number> = {
  check: (raw) => (typeof raw === 'number' && Number.isFinite(raw) ? raw : INVALID),
  explain: (raw) => `expected a finite number, got ${describeValue(raw)}`,
};

const plainBoolean: ReadingValidator<boolean> = {
  check: (raw) => (typeof raw === 'boolean' ? raw : INVALID),
  explain: (raw) => `expected a boolean, got ${describeValue(raw)}`,
};

/**
 * One validator per schema, shared by every sensor made from it: a tree of a million entities has millions
 * of sensors but a handful of schemas (each validator is an object and two closures).
 */
const validators = new WeakMap<z.ZodType, ReadingValidator<unknown>>();

/**
 * The validator for a schema. Plain `z.number()` and `z.boolean()` take a fast path (the loop validates
 * every reading); everything else goes through zod.
 */
export function readingValidator<T>(schema: z.ZodType<T>): ReadingValidator<T> {
  if (isPlainNumber(schema)) return finiteNumber as unknown as ReadingValidator<T>;
  if (schema instanceof z.ZodBoolean) return plainBoolean as unknown as ReadingValidator<T>;
  let validator = validators.get(schema) as ReadingValidator<T> | undefined;
  if (!validator) {
    validator = zodValidator(schema);
    validators.set(schema, validator as ReadingValidator<unknown>);
  }
  return validator;
}

function zodValidator<T>(schema: z.ZodType<T>): ReadingValidator<T> {
  return {
    check: (raw) => {
      const result = schema.safeParse(raw);
      return result.success ? result.data : INVALID;
    },
    explain: (raw) => {
      const result = schema.safeParse(raw);
      return result.success ? 'valid' : result.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');
    },
  };
}

function isPlainNumber(schema: z.ZodType): boolean {
  if (!(schema instanceof z.ZodNumber)) return false;
  const checks = (schema as unknown as { _zod: { def: { checks?: unknown[] } } })._zod.def.checks;
  return !checks || checks.length === 0;
}

/** A raw value as an error message names it: the number, the string (cut at 40 characters), or its type. */
export function describeValue(raw: unknown): string {
  if (typeof raw === 'number') return String(raw);
  if (typeof raw === 'string') return `the string '${raw.length > 40 ? `${raw.slice(0, 40)}...` : raw}'`;
  return raw === null ? 'null' : typeof raw;
}
