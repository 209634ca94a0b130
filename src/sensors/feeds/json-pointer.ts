import { HomeostatError } from '../../core/errors.js';

/** A JSON pointer that does not resolve in a document. */
export class JsonPointerError extends HomeostatError {
  constructor(message: string) {
    super('E_JSON_POINTER', message);
  }
}

/** True when the text is a JSON pointer (RFC 6901): empty, or `/`-separated tokens with `~0`/`~1` escapes. */
export function isJsonPointer(text: string): boolean {
  return text === '' || (text.startsWith('/') && !/~[^01]|~$/.test(text));
}

/**
 * Resolves an RFC 6901 JSON pointer (`/data/0/value`) in a parsed document.
 * @throws JsonPointerError naming the first token that does not resolve
 */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (!isJsonPointer(pointer)) throw new JsonPointerError(`'${pointer}' is not a JSON pointer (write e.g. /data/value)`);
  if (pointer === '') return document;
  let node = document;
  let at = '';
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    at += `/${raw}`;
    if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(token) && Number(token) < node.length) node = node[Number(token)];
    else if (typeof node === 'object' && node !== null && !Array.isArray(node) && Object.hasOwn(node, token)) node = (node as Record<string, unknown>)[token];
    else throw new JsonPointerError(`nothing at ${at}`);
  }
  return node;
}
