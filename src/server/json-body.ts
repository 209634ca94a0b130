import { scanJsonText, type JsonKeyProblem } from '../core/json-text-scan.js';
import { Utf8Error, decodeUtf8 } from '../core/utf8-text.js';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './context.js';

/** Error code of a JSON body that cannot be used (not UTF-8, not JSON, a key twice, or a key that could change a prototype). */
export const BODY_JSON_CODE = 'E_BODY_JSON';

/** Path segments shown of where a refused key is; a deeper path ends in '…'. */
const SHOWN_SEGMENTS = 12;

/** Characters shown of a key named in a refusal; a longer one ends in '…'. */
const SHOWN_KEY = 40;

/** Charsets a JSON body may name: it is read as UTF-8 (of which ASCII is a part). */
const UTF8 = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * Parses `application/json` bodies for the routes of `app` (its encapsulated context) with `parseJsonBytes`,
 * saying what is wrong and where instead of fastify's "Body is not valid JSON", or instead of taking a body
 * that loses what was sent (a key twice, bytes that are not UTF-8). A charset other than UTF-8 is a 415.
 */
export function useJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes, done) => {
    try {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
      if (charset !== undefined && !UTF8.has(charset.toLowerCase())) throw new ApiError(415, `a JSON body is read as UTF-8; charset '${charset}' is not taken`, { code: BODY_JSON_CODE });
      done(null, parseJsonBytes(bytes as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/**
 * A request body's bytes as JSON, read as UTF-8 strictly (a byte that is not UTF-8 is refused, not made
 * U+FFFD), then as `parseJsonBody` reads text; undefined for an empty (or all-blank) body.
 * @throws ApiError 400 (code E_BODY_JSON) naming the byte offset where the body stops being UTF-8, or as `parseJsonBody`
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch (error) {
    if (!(error instanceof Utf8Error)) throw error;
    throw new ApiError(400, `the body is not valid UTF-8: at byte offset ${error.offset}, ${error.problem}`, { code: BODY_JSON_CODE });
  }
  return parseJsonBody(text);
}

/**
 * A request body as JSON; undefined for an empty (or all-blank) body. One pass over the text before
 * `JSON.parse` refuses nesting past the bound (so a text of brackets is never built) and finds the keys
 * `JSON.parse` would lose or must not be given; which is told after the text is known to be JSON.
 * @throws ApiError 400 (code E_BODY_JSON) naming where the text stops being JSON; the path and position of a
 *   key an object has twice (the last value would win silently); or the path of a key `__proto__` or
 *   `constructor.prototype`
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  const scan = scanJsonText(text);
  if (scan.nesting !== undefined) throw new ApiError(400, `the body is not taken: ${scan.nesting}`, { code: BODY_JSON_CODE });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, `the body is not JSON: ${(error as Error).message}`, { code: BODY_JSON_CODE });
  }
  if (scan.key !== undefined) throw new ApiError(400, refusedKey(scan.key), { code: BODY_JSON_CODE });
  return value;
}

/** Why a body with this key is refused, and where the key is. */
function refusedKey(found: JsonKeyProblem): string {
  if (found.kind === 'prototype') return `the body's JSON has a key '${found.key}' at ${pathOf(found.path)}, which is refused (it could change the prototype of objects made from it)`;
  return `the body's JSON has the key '${shortened(found.key)}' twice in one object, at ${pathOf(found.path)} (the second at character ${found.position}): only the last value would be kept, so the body is refused`;
}

/** `a.1.b` for a path of keys and indexes; `(root)` for the body itself; the first segments of a deep one. */
function pathOf(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  const shown = path.slice(0, SHOWN_SEGMENTS).map((k) => shortened(String(k)));
  return `${shown.join('.')}${path.length > SHOWN_SEGMENTS ? `.… (${path.length} levels)` : ''}`;
}

/** A key as named in a refusal: its first characters when it is long. */
function shortened(key: string): string {
  return key.length > SHOWN_KEY ? `${key.slice(0, SHOWN_KEY)}…` : key;
}
