import { z } from 'zod';

/** JSON schemas already built, by the zod schema they describe (entities of one type share their schemas). */
const built = new WeakMap<z.ZodType, unknown>();

/**
 * The JSON schema of what a zod schema accepts (an effector's params, a policy's config), as the API shows it:
 * built once per zod schema and shared by every later answer, since building one walks the whole zod schema
 * and `GET /entities/:id` shows every effector of its entity on each request. A schema that cannot be rendered
 * is shown as `{}`. The result is shared between answers: callers serialize it and never change it.
 */
export function inputJsonSchema(schema: z.ZodType): unknown {
  if (built.has(schema)) return built.get(schema);
  let json: unknown;
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    json = {};
  }
  built.set(schema, json);
  return json;
}
