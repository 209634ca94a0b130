// Describes zod schemas as rows of a Markdown table (key, type, default), for the generated reference.
import { z } from 'zod';
import { isDurationSchema } from '../src/index.js';

/** One documented key of a config or params object. */
export interface KeyRow {
  readonly key: string;
  readonly type: string;
  readonly required: boolean;
  readonly defaultValue?: string;
}

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly defaultValue?: unknown;
  readonly shape?: Record<string, z.ZodType>;
  readonly in?: z.ZodType;
  readonly left?: z.ZodType;
  readonly right?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips optional, default and nullable wrappers; collects the default on the way. */
function unwrap(schema: z.ZodType): { core: z.ZodType; required: boolean; defaultValue?: unknown } {
  let core = schema;
  let required = true;
  let defaultValue: unknown;
  for (;;) {
    const def = defOf(core);
    if ((def.type === 'default' || def.type === 'prefault') && def.innerType) {
      required = false;
      const value = def.defaultValue;
      defaultValue ??= typeof value === 'function' ? (value as () => unknown)() : value;
      core = def.innerType;
    } else if ((def.type === 'optional' || def.type === 'nullable') && def.innerType) {
      required = false;
      core = def.innerType;
    } else return { core, required, ...(defaultValue === undefined ? {} : { defaultValue }) };
  }
}

function isDuration(schema: z.ZodType): boolean {
  return isDurationSchema(schema);
}

/** A duration in milliseconds as the blueprint would write it. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  format?: string;
  properties?: Record<string, JsonSchema>;
}

/** A short type from a JSON schema: `integer >= 1`, `'a' | 'b'`, `number[]`. */
function typeText(json: JsonSchema): string {
  if (json.enum) return json.enum.map((v) => JSON.stringify(v).replaceAll('"', "'")).join(' \\| ');
  if (json.const !== undefined) return JSON.stringify(json.const).replaceAll('"', "'");
  const union = json.anyOf ?? json.oneOf;
  if (union) return union.map(typeText).join(' \\| ');
  if (json.type === 'array') return `${json.items ? typeText(json.items) : 'any'}[]`;
  if (json.type === 'object') return json.properties ? `{ ${Object.keys(json.properties).join(', ')} }` : 'object';
  const base = Array.isArray(json.type) ? json.type.join(' \\| ') : (json.type ?? 'any');
  const bounds: string[] = [];
  const limit = (n: number) => Math.abs(n) < Number.MAX_SAFE_INTEGER;
  if (json.minimum !== undefined && limit(json.minimum)) bounds.push(`>= ${json.minimum}`);
  if (json.exclusiveMinimum !== undefined) bounds.push(`> ${json.exclusiveMinimum}`);
  if (json.maximum !== undefined && limit(json.maximum)) bounds.push(`<= ${json.maximum}`);
  if (json.exclusiveMaximum !== undefined) bounds.push(`< ${json.exclusiveMaximum}`);
  if (json.minLength !== undefined && json.minLength > 0) bounds.push('non-empty');
  if (json.format) bounds.push(json.format);
  return [base, ...bounds].join(' ');
}

function leafType(schema: z.ZodType): string {
  if (isDuration(schema)) return 'duration';
  try {
    return typeText(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  } catch {
    return 'any';
  }
}

function formatDefault(value: unknown, duration: boolean): string {
  if (duration && typeof value === 'number') return formatMs(value);
  return JSON.stringify(value);
}

/**
 * The keys of an object schema (nested objects as dotted keys), each with its type and default. A schema
 * that is not an object (a record, a union) gives no rows.
 */
export function describeKeys(schema: z.ZodType, prefix = ''): KeyRow[] {
  const { core } = unwrap(schema);
  const def = defOf(core);
  if (def.type === 'pipe' && def.in) return describeKeys(def.in, prefix);
  if (def.type === 'intersection' && def.left && def.right) return [...describeKeys(def.left, prefix), ...describeKeys(def.right, prefix)];
  if (def.type !== 'object' || !def.shape) return [];
  const rows: KeyRow[] = [];
  for (const [key, field] of Object.entries(def.shape)) {
    const { core: inner, required, defaultValue } = unwrap(field);
    const duration = isDuration(inner);
    const nested = duration ? [] : describeKeys(inner, `${prefix}${key}.`);
    rows.push({
      key: `${prefix}${key}`,
      type: nested.length > 0 ? 'object' : leafType(inner),
      required,
      ...(defaultValue === undefined || nested.length > 0 ? {} : { defaultValue: formatDefault(defaultValue, duration) }),
    });
    rows.push(...nested);
  }
  return rows;
}

/** `{ size: integer >= 0 <= 10000 }`: params of an effector on one line. */
export function inlineParams(schema: z.ZodType): string {
  const rows = describeKeys(schema).filter((r) => !r.key.includes('.'));
  if (rows.length === 0) return 'none';
  return rows.map((r) => `\`${r.key}${r.required ? '' : '?'}\`: ${r.type}`).join(', ');
}
