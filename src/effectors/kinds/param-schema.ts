import { z } from 'zod';

/**
 * The small schema language of effector params in blueprints. Each param is a type name (`string`,
 * `number`, `integer`, `boolean`) or a mapping with bounds, e.g.
 * `replicas: { type: integer, min: 1, max: 50 }`, `reason: { type: string, maxLength: 200, optional: true }`.
 */

/** Longest string param unless a blueprint declares otherwise (64 KiB: a process argument may hold 128 KiB). */
export const DEFAULT_MAX_STRING = 65_536;

const common = { description: z.string().optional(), optional: z.boolean().default(false) };

const stringParam = z.strictObject({
  type: z.literal('string'),
  ...common,
  minLength: z.number().int().min(0).optional(),
  maxLength: z.number().int().min(1).max(16 * 1024 * 1024).default(DEFAULT_MAX_STRING),
  pattern: z.string().refine(isRegExp, 'not a valid regular expression').optional(),
  enum: z.array(z.string()).min(1).optional(),
  default: z.string().optional(),
});
const numberParam = (type: 'number' | 'integer') =>
  z.strictObject({ type: z.literal(type), ...common, min: z.number().optional(), max: z.number().optional(), default: z.number().optional() });
const booleanParam = z.strictObject({ type: z.literal('boolean'), ...common, default: z.boolean().optional() });

/** One declared param: a type name, or a mapping with the type and its bounds. */
export const paramDeclSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { type: value } : value),
  z.discriminatedUnion('type', [stringParam, numberParam('number'), numberParam('integer'), booleanParam], {
    error: "a param is one of 'string', 'number', 'integer', 'boolean', or a mapping with a 'type' among them",
  }),
);

/** The `params:` of an effector declaration: names (identifiers) to declarations. */
export const paramsDeclSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a param name is an identifier (letters, digits, _)'), paramDeclSchema).default({});

/** A parsed param declaration. */
export type ParamDecl = z.output<typeof paramDeclSchema>;
/** Parsed `params:` of a declaration. */
export type ParamsDecl = Readonly<Record<string, ParamDecl>>;

/**
 * The zod schema of a declaration's params: unknown params are refused, strings never hold NUL (no process
 * argument or header can), numbers are finite. The API, `validate` and the invoker all check against it.
 */
export function paramsToZod(decl: ParamsDecl): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, param] of Object.entries(decl)) {
    let schema: z.ZodType = paramToZod(param);
    if (param.default !== undefined) schema = schema.default(param.default as never);
    else if (param.optional) schema = schema.optional();
    if (param.description !== undefined) schema = schema.describe(param.description);
    shape[name] = schema;
  }
  return z.strictObject(shape) as z.ZodType<Record<string, unknown>>;
}

function paramToZod(param: ParamDecl): z.ZodType {
  switch (param.type) {
    case 'string': {
      if (param.enum) return z.enum(param.enum as [string, ...string[]]);
      let s = z.string().max(param.maxLength).refine((v) => !v.includes('\0'), 'a string param cannot hold a NUL character');
      if (param.minLength !== undefined) s = s.refine((v) => v.length >= (param.minLength ?? 0), `Too small: expected string to have >=${param.minLength} characters`);
      if (param.pattern !== undefined) {
        const re = new RegExp(param.pattern, 'u');
        s = s.refine((v) => re.test(v), `does not match the pattern ${param.pattern}`);
      }
      return s;
    }
    case 'number':
    case 'integer': {
      let n = param.type === 'integer' ? z.number().int() : z.number();
      if (param.min !== undefined) n = n.min(param.min);
      if (param.max !== undefined) n = n.max(param.max);
      return n;
    }
    case 'boolean':
      return z.boolean();
  }
}

/** Problems with a declaration beyond its shape: bounds that contradict each other, defaults outside them. */
export function paramsProblems(decl: ParamsDecl): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  for (const [name, param] of Object.entries(decl)) {
    if ((param.type === 'number' || param.type === 'integer') && param.min !== undefined && param.max !== undefined && param.min > param.max) {
      problems.push({ path: [name, 'min'], message: `min ${param.min} is above max ${param.max}` });
    }
    if (param.type === 'string' && param.minLength !== undefined && param.minLength > param.maxLength) {
      problems.push({ path: [name, 'minLength'], message: `minLength ${param.minLength} is above maxLength ${param.maxLength}` });
    }
    if (param.default !== undefined) {
      const parsed = paramToZod(param).safeParse(param.default);
      if (!parsed.success) problems.push({ path: [name, 'default'], message: `the default does not satisfy the param's own bounds: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
    }
  }
  return problems;
}

function isRegExp(text: string): boolean {
  try {
    new RegExp(text, 'u');
    return true;
  } catch {
    return false;
  }
}
