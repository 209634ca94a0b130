import { scanJsonText } from '../core/json-text-scan.js';
import { AuthSettingsError } from '../server/auth.js';

/** `a.0.b` for a path of keys and indexes; `(the top level)` for the value itself. */
function pathText(path: readonly (string | number)[]): string {
  return path.length === 0 ? 'the top level' : path.join('.');
}

/**
 * The JSON value of an environment variable, read as strictly as the API reads a body: JSON.parse alone keeps
 * the last of a key given twice (`"role": "admin", "role": "viewer"` made a viewer without a word), and takes
 * `__proto__` as a key.
 * @param expected what the variable holds, for the message (`a JSON list of { token, name, role, scope? }`)
 * @throws AuthSettingsError naming the variable: text that is not JSON (and where JSON.parse stopped), nesting
 *   past the bound, a key an object has twice (with its path), or a prototype key
 */
export function environmentJson(variable: string, text: string, expected: string): unknown {
  const scan = scanJsonText(text);
  if (scan.nesting !== undefined) throw new AuthSettingsError(`${variable} must be ${expected}: ${scan.nesting}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AuthSettingsError(`${variable} must be ${expected}; it is not JSON (${(error as Error).message})`);
  }
  const key = scan.key;
  if (key?.kind === 'duplicate') throw new AuthSettingsError(`${variable} has the key '${key.key}' twice in one object, at ${pathText(key.path)} (the second at character ${key.position}): only the last value would be kept, so it is refused`);
  if (key) throw new AuthSettingsError(`${variable} has a key '${key.key}' at ${pathText(key.path)}, which is refused (it could change the prototype of objects made from it)`);
  return value;
}
