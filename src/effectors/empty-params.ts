/** What `isEmptyObjectSchema` reads of a zod schema: its definition (zod 4's `_zod.def`). */
interface ZodInternals {
  readonly _zod?: { readonly def?: { readonly type?: unknown; readonly shape?: object; readonly checks?: readonly unknown[] } };
}

/** The verdict on each schema asked about (a schema's definition does not change once made). */
const verdicts = new WeakMap<object, boolean>();

/**
 * True when `schema` is a zod object schema with no keys and no checks (`z.object({})`, `z.strictObject({})`,
 * `z.looseObject({})`): the params of an effector that takes none, such as restart or promote. Such a schema
 * parses `{}` into a new `{}`, so the invoker gives an invocation without params a new `{}` without asking
 * zod, which builds a parse context per call. Anything else (keys, defaults, refinements, a transform, an
 * optional or another wrapper, a schema that is not zod's) is false, and is parsed.
 */
export function isEmptyObjectSchema(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  let verdict = verdicts.get(schema);
  if (verdict === undefined) verdicts.set(schema, (verdict = emptyObjectDefinition(schema as ZodInternals)));
  return verdict;
}

function emptyObjectDefinition(schema: ZodInternals): boolean {
  const def = schema._zod?.def;
  if (def === undefined || def.type !== 'object' || (def.checks !== undefined && def.checks.length > 0)) return false;
  const shape = def.shape;
  return typeof shape === 'object' && shape !== null && Reflect.ownKeys(shape).length === 0;
}
