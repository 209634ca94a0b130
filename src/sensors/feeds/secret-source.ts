import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { HomeostatError } from '../../core/errors.js';

/** Where a secret comes from: an environment variable or a file, never the blueprint text itself. */
export type SecretSource = { readonly env: string } | { readonly file: string };

/** A secret that could not be read (variable unset, file unreadable). The secret itself is never in the message. */
export class SecretUnavailableError extends HomeostatError {
  constructor(message: string) {
    super('E_SECRET_UNAVAILABLE', message);
  }
}

const INLINE = 'a secret is never written in the blueprint: give { env: VARIABLE } or { file: /path/to/file }';

/** Schema of a secret source; an inline string is refused with a message that says what to write instead. */
export const secretSourceSchema = z.custom<SecretSource>((value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const entry = (value as Record<string, unknown>)[keys[0] as string];
  return (keys[0] === 'env' || keys[0] === 'file') && typeof entry === 'string' && entry.length > 0;
}, { message: INLINE });

/** Authentication of a feed's requests: a bearer token or basic credentials, secrets from env or files. */
export const feedAuthSchema = z.union([
  z.strictObject({ bearer: secretSourceSchema }),
  z.strictObject({ basic: z.strictObject({ username: z.string().min(1), password: secretSourceSchema }) }),
], { error: `auth is { bearer: { env | file } } or { basic: { username, password: { env | file } } }; ${INLINE}` });
export type FeedAuth = z.infer<typeof feedAuthSchema>;

/**
 * Reads a secret now (files are read on every call, so a rotated token is picked up without a restart).
 * @throws SecretUnavailableError when the variable is unset or empty, or the file cannot be read
 */
export async function readSecret(source: SecretSource, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('env' in source) {
    const value = env[source.env];
    if (!value) throw new SecretUnavailableError(`environment variable ${source.env} is not set`);
    return value;
  }
  try {
    return (await readFile(source.file, 'utf8')).trim();
  } catch (error) {
    throw new SecretUnavailableError(`cannot read secret file ${source.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** The Authorization header value for a feed's auth, or undefined without auth. */
export async function authorizationHeader(auth: FeedAuth | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (!auth) return undefined;
  if ('bearer' in auth) return `Bearer ${await readSecret(auth.bearer, env)}`;
  const password = await readSecret(auth.basic.password, env);
  return `Basic ${Buffer.from(`${auth.basic.username}:${password}`).toString('base64')}`;
}
