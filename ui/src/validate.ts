import type { JsonSchema } from './types.js';

/** Field path (dot-joined) to the message shown at that field. */
export type FieldErrors = Record<string, string>;

/** The first of a schema's types that is not null (zod's optional/nullable emit unions). */
export function typeOf(schema: JsonSchema): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  if (schema.enum) return typeof schema.enum[0] === 'number' ? 'number' : 'string';
  const branch = schema.anyOf?.find((s) => s.type !== 'null');
  return branch ? typeOf(branch) : undefined;
}

/** The schema to use for a field: the non-null branch of an anyOf, else itself. */
export function effective(schema: JsonSchema): JsonSchema {
  return schema.anyOf?.find((s) => s.type !== 'null') ?? schema;
}

/** Checks one value against its schema (the subset zod emits: types, bounds, lengths, enum, pattern). */
export function checkValue(raw: JsonSchema, value: unknown): string | undefined {
  const schema = effective(raw);
  const type = typeOf(schema);
  if (schema.enum && !schema.enum.includes(value)) return `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (type === 'integer' || type === 'number') {
    if (typeof value !== 'number' || Number.isNaN(value)) return 'must be a number';
    if (type === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
    if (schema.minimum !== undefined && value < schema.minimum) return `must be at least ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum) return `must be at most ${schema.maximum}`;
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) return `must be more than ${schema.exclusiveMinimum}`;
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) return `must be less than ${schema.exclusiveMaximum}`;
  }
  if (type === 'string') {
    if (typeof value !== 'string') return 'must be text';
    if (schema.minLength !== undefined && value.length < schema.minLength) return schema.minLength === 1 ? 'is required' : `must be at least ${schema.minLength} characters`;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return `must be at most ${schema.maxLength} characters`;
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) return `must match ${schema.pattern}`;
  }
  if (type === 'boolean' && typeof value !== 'boolean') return 'must be true or false';
  if (type === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value))) return 'must be an object';
  if (type === 'array' && !Array.isArray(value)) return 'must be a list';
  return undefined;
}

/** Checks an object against an object schema: missing required fields, then each present field. */
export function checkObject(schema: JsonSchema, value: Record<string, unknown>): FieldErrors {
  const errors: FieldErrors = {};
  const properties = schema.properties ?? {};
  for (const name of schema.required ?? []) {
    const field = properties[name];
    if (value[name] === undefined && field?.default === undefined) errors[name] = 'is required';
  }
  for (const [name, field] of Object.entries(properties)) {
    if (value[name] === undefined || errors[name]) continue;
    const problem = checkValue(field, value[name]);
    if (problem) errors[name] = problem;
  }
  if (schema.additionalProperties === false) {
    for (const name of Object.keys(value)) if (!(name in properties)) errors[name] = 'is not a known field';
  }
  return errors;
}
