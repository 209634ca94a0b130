import { jsonNestingProblem } from '../core/json-nesting.js';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './context.js';

/** Error code of a JSON body that cannot be used (not JSON, or a key that could change a prototype). */
export const BODY_JSON_CODE = 'E_BODY_JSON';

/** Path segments shown of where a refused key is; a deeper path ends in '…'. */
const SHOWN_SEGMENTS = 12;

/** Charsets a JSON body may name: it is read as UTF-8 (of which ASCII is a part). */
const UTF8 = new Set(['utf-8', 'utf8', 'us-ascii']);

/** One value met while looking through a parsed body, and how it was reached (for the path, only when needed). */
interface Visit {
  readonly value: unknown;
  readonly key: string | undefined;
  readonly parent: Visit | undefined;
}

/**
 * Parses `application/json` bodies for the routes of `app` (its encapsulated context), saying what is wrong
 * and where instead of fastify's "Body is not valid JSON": where the text stops being JSON; a key
 * `__proto__` or `constructor.prototype` (which could change the prototype of objects made from the body)
 * with its path; a charset other than UTF-8 (415). An empty body is no body, as when none is sent.
 * Looking through a body takes no stack, however deep it is nested.
 */
export function useJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    try {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
      if (charset !== undefined && !UTF8.has(charset.toLowerCase())) throw new ApiError(415, `a JSON body is read as UTF-8; charset '${charset}' is not taken`, { code: BODY_JSON_CODE });
      done(null, parseJsonBody(text as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/**
 * A request body as JSON; undefined for an empty (or all-blank) body.
 * @throws ApiError 400 (code E_BODY_JSON) naming where the text stops being JSON, or the path of a key
 *   `__proto__` or `constructor.prototype`
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  const nesting = jsonNestingProblem(text);
  if (nesting !== undefined) throw new ApiError(400, `the body is not taken: ${nesting}`, { code: BODY_JSON_CODE });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, `the body is not JSON: ${(error as Error).message}`, { code: BODY_JSON_CODE });
  }
  const found = prototypeKey(value);
  if (found) throw new ApiError(400, `the body's JSON has a key '${found.key}' at ${pathOf(found.at)}, which is refused (it could change the prototype of objects made from it)`, { code: BODY_JSON_CODE });
  return value;
}

/** The first key `__proto__` (or `constructor` holding `prototype`) in a parsed body, and the object holding it. */
function prototypeKey(root: unknown): { key: string; at: Visit } | undefined {
  const pending: Visit[] = [{ value: root, key: undefined, parent: undefined }];
  for (let visit = pending.pop(); visit; visit = pending.pop()) {
    const value = visit.value;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], key: String(i), parent: visit });
      continue;
    }
    const object = value as Record<string, unknown>;
    if (Object.hasOwn(object, '__proto__')) return { key: '__proto__', at: visit };
    const constructor = Object.hasOwn(object, 'constructor') ? object['constructor'] : undefined;
    if (constructor !== null && typeof constructor === 'object' && Object.hasOwn(constructor, 'prototype')) return { key: 'constructor.prototype', at: visit };
    const keys = Object.keys(object);
    for (let i = keys.length - 1; i >= 0; i--) pending.push({ value: object[keys[i] as string], key: keys[i], parent: visit });
  }
  return undefined;
}

/** `a.1.b` for the object a visit reached; `(root)` for the body itself; the first segments of a deep one. */
function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let v: Visit | undefined = visit; v?.key !== undefined; v = v.parent) keys.push(v.key);
  if (keys.length === 0) return '(root)';
  keys.reverse();
  const shown = keys.slice(0, SHOWN_SEGMENTS).map((k) => (k.length > 40 ? `${k.slice(0, 40)}…` : k));
  return `${shown.join('.')}${keys.length > SHOWN_SEGMENTS ? `.… (${keys.length} levels)` : ''}`;
}
