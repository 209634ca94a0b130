import { z } from 'zod';
import { SecretRefError, isSecretSource, readSecretSource, secretSourceSchema, type SecretSource } from '../../core/secret-ref.js';

export { secretSourceSchema, type SecretSource } from '../../core/secret-ref.js';

/** A secret that could not be read (variable unset, file unreadable); the same error as an effector param's. */
export const SecretUnavailableError = SecretRefError;

const FORMS = '{ secret: { env: VARIABLE } } or { secret: { file: /path } } (the bare { env } / { file } also works)';

/** Authentication of a feed's requests: a bearer token or basic credentials, secrets from env or files. */
export const feedAuthSchema = z.union([
  z.strictObject({ bearer: secretSourceSchema }),
  z.strictObject({ basic: z.strictObject({ username: z.string().min(1), password: secretSourceSchema }) }),
], { error: `a secret is never written in the blueprint: auth is { bearer: SECRET } or { basic: { username, password: SECRET } }, SECRET being ${FORMS}` });
export type FeedAuth = z.output<typeof feedAuthSchema>;

/** A feed request header: literal text (not secret), or a secret with an optional `prefix` (`Bearer `). */
export const feedHeaderSchema = z.union([
  z.string(),
  z.strictObject({ secret: z.custom<SecretSource>(isSecretSource, { message: 'a secret is { env: VARIABLE } or { file: /path }' }), prefix: z.string().default('') }),
], { error: `a header is literal text or { secret: { env | file }, prefix? }` });
export type FeedHeader = z.output<typeof feedHeaderSchema>;

/** Field shape shared by the feeds that make HTTP requests: `auth` and `headers`. */
export const feedRequestShape = {
  auth: feedAuthSchema.optional(),
  /** Extra request headers; a value may be a secret read at each poll. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid header name'), feedHeaderSchema).optional(),
};

/**
 * Reads a secret now (files are read on every call, so a rotated token is picked up without a restart).
 * @throws SecretRefError (E_SECRET_UNAVAILABLE) when the variable is unset or empty, or the file cannot be read
 */
export async function readSecret(source: SecretSource, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return (await readSecretSource(source, env)).trim();
}

/** The Authorization header value for a feed's auth, or undefined without auth. */
export async function authorizationHeader(auth: FeedAuth | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return (await requestHeaders({ auth }, env)).headers['authorization'];
}

/** A feed's request headers, resolved now, and the secret values they hold (to scrub them from errors). */
export interface ResolvedHeaders {
  readonly headers: Record<string, string>;
  readonly secrets: readonly string[];
}

/** Resolves a feed's `auth` and `headers` for one poll. */
export async function requestHeaders(decl: { auth?: FeedAuth | undefined; headers?: Record<string, FeedHeader> | undefined }, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedHeaders> {
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(decl.headers ?? {})) {
    if (typeof value === 'string') {
      headers[name.toLowerCase()] = value;
      continue;
    }
    const secret = await readSecret(value.secret, env);
    secrets.push(secret);
    headers[name.toLowerCase()] = value.prefix + secret;
  }
  const auth = decl.auth;
  if (auth && 'bearer' in auth) {
    const token = await readSecret(auth.bearer, env);
    secrets.push(token);
    headers['authorization'] = `Bearer ${token}`;
  } else if (auth) {
    const password = await readSecret(auth.basic.password, env);
    const encoded = Buffer.from(`${auth.basic.username}:${password}`).toString('base64');
    secrets.push(password, encoded);
    headers['authorization'] = `Basic ${encoded}`;
  }
  return { headers, secrets };
}
