import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { HomeostatError } from './errors.js';

/** Where a secret comes from: an environment variable or a file, never the blueprint text itself. */
export type SecretSource = { readonly env: string } | { readonly file: string };

/** A reference to a secret, written where a value goes: `{ secret: { env: NAME } }` or `{ secret: { file: path } }`. */
export type SecretRef = { readonly secret: SecretSource };

/** A secret reference that cannot be resolved now (variable unset, file unreadable); names the source, never a value. */
export class SecretRefError extends HomeostatError {
  constructor(message: string) {
    super('E_SECRET_UNAVAILABLE', message, { retryable: false });
  }
}

/** The marker that replaces a resolved secret wherever it would leave an invocation. */
export const SECRET_MARKER = '[secret]';

/** True for `{ secret: { env: NAME } }` or `{ secret: { file: path } }` (and nothing else in the object). */
export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== 'secret') return false;
  const inner = (value as { secret: unknown }).secret;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return false;
  const innerKeys = Object.keys(inner);
  if (innerKeys.length !== 1) return false;
  const source = (inner as Record<string, unknown>)[innerKeys[0] as string];
  return (innerKeys[0] === 'env' || innerKeys[0] === 'file') && typeof source === 'string' && source.length > 0;
}

/** True for a bare source `{ env: NAME }` or `{ file: path }` (the form feed credentials had first). */
export function isSecretSource(value: unknown): value is SecretSource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const source = (value as Record<string, unknown>)[keys[0] as string];
  return (keys[0] === 'env' || keys[0] === 'file') && typeof source === 'string' && source.length > 0;
}

/** The source of `{ secret: { env | file } }` or of a bare `{ env | file }`; undefined for anything else. */
export function secretSourceOf(value: unknown): SecretSource | undefined {
  if (isSecretRef(value)) return value.secret;
  return isSecretSource(value) ? value : undefined;
}

const SECRET_FORM = 'a secret is never written in the blueprint: give { secret: { env: VARIABLE } } or { secret: { file: /path/to/file } }';

/**
 * Schema of a secret written where a credential goes: `{ secret: { env | file } }`, or the bare
 * `{ env | file }` accepted since feed credentials first had it. Parses to the source. An inline string is
 * refused with a message saying what to write instead.
 */
export const secretSourceSchema = z.custom<SecretSource | SecretRef>((value) => secretSourceOf(value) !== undefined, { message: SECRET_FORM }).transform((value) => secretSourceOf(value) as SecretSource);

/**
 * Where a value holds something meant as a secret reference (an object whose only key is `secret`) that is
 * not one: `{ secret: { env: '' } }`, `{ secret: 'inline' }`, `{ secret: { vault: x } }`. For validation.
 */
export function malformedSecretRefs(value: unknown, path: ReadonlyArray<string | number> = [], depth = 0): Array<{ path: Array<string | number>; message: string }> {
  if (depth > 32 || typeof value !== 'object' || value === null) return [];
  const keys = Object.keys(value);
  if (!Array.isArray(value) && keys.length === 1 && keys[0] === 'secret' && !isSecretRef(value)) return [{ path: [...path, 'secret'], message: SECRET_FORM }];
  return Object.entries(value).flatMap(([k, v]) => malformedSecretRefs(v, [...path, Array.isArray(value) ? Number(k) : k], depth + 1));
}

/** True when a value holds a secret reference at any depth. */
export function hasSecretRefs(value: unknown, depth = 0): boolean {
  if (isSecretRef(value)) return true;
  if (depth > 32 || typeof value !== 'object' || value === null) return false;
  return Object.values(value).some((v) => hasSecretRefs(v, depth + 1));
}

/** A value with its secret references resolved, and the secret values it now holds (to scrub them from outputs). */
export interface Resolved<T> {
  readonly value: T;
  readonly secrets: readonly string[];
}

/**
 * Resolves every secret reference in a value, at any depth, now (a rotated file is read again at each call).
 * A file's trailing newline is dropped.
 * @throws SecretRefError naming the variable or file, never a value
 */
export async function resolveSecretRefs<T>(value: T, env: NodeJS.ProcessEnv = process.env): Promise<Resolved<T>> {
  const secrets: string[] = [];
  const walk = async (v: unknown, depth: number): Promise<unknown> => {
    if (isSecretRef(v)) {
      const secret = await readRef(v, env);
      secrets.push(secret);
      return secret;
    }
    if (depth > 32 || typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return Promise.all(v.map((item) => walk(item, depth + 1)));
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) out[k] = await walk(item, depth + 1);
    return out;
  };
  if (!hasSecretRefs(value)) return { value, secrets };
  return { value: (await walk(value, 0)) as T, secrets };
}

async function readRef(ref: SecretRef, env: NodeJS.ProcessEnv): Promise<string> {
  return readSecretSource(ref.secret, env);
}

/**
 * Reads a secret now: files are read at every call, so a rotated value is used by the next call without a
 * restart. A file's trailing newline is dropped.
 * @throws SecretRefError (E_SECRET_UNAVAILABLE) naming the variable or file, never a value
 */
export async function readSecretSource(source: SecretSource, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('env' in source) {
    const value = env[source.env];
    if (!value) throw new SecretRefError(`environment variable ${source.env} is not set`);
    return value;
  }
  try {
    return (await readFile(source.file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new SecretRefError(`cannot read secret file ${source.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/**
 * Replaces every occurrence of the secrets in an error's message, stack and `detail` (and its causes), in
 * place, and returns it: an error that quotes a secret (a server that echoes the token) leaves scrubbed.
 */
export function scrubError<E>(error: E, secrets: readonly string[]): E {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const target = current as Error & { detail?: unknown };
    target.message = scrubSecrets(target.message, secrets);
    if (target.stack) target.stack = scrubSecrets(target.stack, secrets);
    if (target.detail !== undefined) {
      try {
        target.detail = scrubSecrets(target.detail, secrets);
      } catch {
        // a read-only detail: the message and stack are scrubbed
      }
    }
    current = target.cause;
  }
  return error;
}

/**
 * A copy of `value` with every occurrence of each secret (in strings and keys, at any depth) replaced by
 * `[secret]`: what an invocation returns or reports never carries a secret it was given, even when the
 * program echoed it. Secrets shorter than 4 characters are not scrubbed (they would scrub ordinary text).
 */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  const wanted = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  if (wanted.length === 0) return value;
  const text = (s: string): string => wanted.reduce((acc, secret) => acc.split(secret).join(SECRET_MARKER), s);
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return text(v);
    if (depth > 32 || typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [text(k), walk(item, depth + 1)]));
  };
  return walk(value, 0) as T;
}
