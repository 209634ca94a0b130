import { z } from 'zod';
import { nonJson } from '../core/json-check.js';

/** Deepest nesting a JSON reading may have: deeper is refused, not walked (the walk recurses per level). */
const MAX_JSON_DEPTH = 256;

/**
 * The schema of a `type: json` sensor: any plain JSON value (objects, arrays, strings, finite numbers,
 * booleans, null). A circular object, a bigint, a function, a symbol, NaN or a class instance is refused:
 * kept as the current value, it would fail whatever serializes it later (the API, a store, a stream).
 */
export const jsonValueSchema = z.unknown().superRefine((value, ctx) => {
  const found = nonJson(value, { maxDepth: MAX_JSON_DEPTH });
  if (found) ctx.addIssue({ code: 'custom', message: found.problem, path: found.path });
});
