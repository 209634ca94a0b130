import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { HomeostatError } from '../core/errors.js';
import { ROLES, type Role } from './auth-roles.js';
import { claimMappingSchema } from './claim-mapping.js';

export { ROLES, type Role } from './auth-roles.js';

/** Who is asking: a name for the audit log, a role, and the subtrees (entity ids) the role applies to. */
export interface Principal {
  readonly name: string;
  readonly role: Role;
  /** Entity ids whose subtrees this principal may see and act on; undefined means the whole tree. */
  readonly scopes?: readonly string[];
  /** The tenant the caller belongs to: it sees and acts on that tenant's subtrees only. */
  readonly tenant?: string;
  /**
   * When the credential stops being accepted (ms since the epoch, the clock skew included): a JWT's `exp`.
   * Undefined for credentials that do not expire (static tokens). A long-lived answer (a live stream) ends then.
   */
  readonly expiresAt?: number;
}

/** JWT signature algorithms homeostat accepts (never `none`). */
export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;

/**
 * A scope: one entity id, or a non-empty list of them (the union of their subtrees). Anything else (a
 * number, null, an object, an empty list) is refused, never read as "the whole tree".
 */
export const scopeSchema = z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(100)]);

const tokenSchema = z.strictObject({
  token: z.string().min(16, 'a token must be at least 16 characters'),
  name: z.string().min(1),
  role: z.enum(ROLES),
  scope: scopeSchema.optional(),
  /** The tenant the token belongs to (see the blueprint's `tenant`). */
  tenant: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/).optional(),
});

/** Access control settings: static bearer tokens and/or JWTs (HS256 with a secret; RS256/ES256 with a public key or JWKS). */
export const authSchema = z
  .strictObject({
    tokens: z.array(tokenSchema).default([]),
    /** HS256 secret; the JWT's claims give `sub` (name), `role` and optionally `scope`. */
    jwtSecret: z.string().min(32, 'a JWT secret must be at least 32 characters').optional(),
    /** A PEM public key (SPKI) for RS256 or ES256 JWTs. */
    jwtPublicKey: z.string().includes('-----BEGIN PUBLIC KEY-----', { message: 'a JWT public key must be a PEM (-----BEGIN PUBLIC KEY-----)' }).optional(),
    /** A JWKS address (https, or http on loopback) for RS256 or ES256 JWTs. */
    jwksUrl: z.url({ protocol: /^https?$/, error: (issue) => `a JWKS URL must be an http(s) URL whose port (if given) is from 1 to 65535, such as https://idp.example/jwks.json; '${String(issue.input)}' is not` }).optional(),
    /** Expected `iss` and `aud` claims, when set. */
    jwtIssuer: z.string().min(1).optional(),
    jwtAudience: z.string().min(1).optional(),
    /** Allowed clock difference for `exp`, `nbf` and `iat` (seconds). Default 30, at most 300. */
    clockSkewSeconds: z.number().int().min(0).max(300).default(30),
    /** Which claims give the name, role, scope and tenant (OIDC providers: `groups`, `realm_access.roles`, `scp`). */
    claims: claimMappingSchema,
    /** JWKS keys are refetched after this long (seconds). Default 600. */
    jwksMaxAgeSeconds: z.number().int().min(1).max(86_400).default(600),
    /** A token naming an unknown key refetches the JWKS at most once per this long (seconds). Default 30. */
    jwksCooldownSeconds: z.number().int().min(0).max(3_600).default(30),
  })
  .superRefine((settings, ctx) => {
    const seen = new Map<string, { role: Role; name: string; index: number }>();
    settings.tokens.forEach((t, index) => {
      const earlier = seen.get(t.token);
      if (earlier) ctx.addIssue({ code: 'custom', path: ['tokens', index, 'token'], message: `the same token string is given twice (tokens ${earlier.index} and ${index}, for ${earlier.name} as ${earlier.role} and ${t.name} as ${t.role}); each token must be unique` });
      else seen.set(t.token, { role: t.role, name: t.name, index });
    });
  });
export type AuthSettings = z.output<typeof authSchema>;

/** Settings that cannot be used (a short token, a duplicate token, a bad key); the message is one sentence. */
export class AuthSettingsError extends HomeostatError {
  constructor(message: string) {
    super('E_AUTH_SETTINGS', message);
  }
}

/**
 * Validates access control settings.
 * @param where names the source in the message, e.g. `auth` (a problem is then at `auth.tokens.0.token`); or
 *   names the place of each problem from its path in the settings (the environment variable that gave it)
 * @throws AuthSettingsError with one sentence naming each problem and where it is
 */
export function parseAuthSettings(input: unknown, where: string | ((path: readonly PropertyKey[]) => string) = 'auth'): AuthSettings {
  const parsed = authSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const place = typeof where === 'string' ? (path: readonly PropertyKey[]) => [where, ...path.map(String)].join('.') : where;
  const problems = parsed.error.issues.map((i) => `${place(i.path)}: ${i.message}`);
  throw new AuthSettingsError(`invalid access control settings: ${problems.join('; ')}`);
}

/** True when any access control is configured; without it every caller is an admin of the whole tree. */
export function authEnabled(settings: AuthSettings): boolean {
  return settings.tokens.length > 0 || settings.jwtSecret !== undefined || settings.jwtPublicKey !== undefined || settings.jwksUrl !== undefined;
}

/** True when `role` has at least the rights of `needed`. */
export function allows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** The scopes of a token or claim as a list (undefined: the whole tree). */
export function scopesOf(scope: string | readonly string[] | undefined): readonly string[] | undefined {
  return scope === undefined ? undefined : typeof scope === 'string' ? [scope] : [...scope];
}

/** Finds the static token equal to `presented`, in constant time per comparison. */
export function staticPrincipal(settings: AuthSettings, presented: string): Principal | undefined {
  for (const t of settings.tokens) {
    if (equal(t.token, presented)) return { name: t.name, role: t.role, ...(t.scope === undefined ? {} : { scopes: scopesOf(t.scope) as readonly string[] }), ...(t.tenant === undefined ? {} : { tenant: t.tenant }) };
  }
  return undefined;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Signs an HS256 JWT (for tests and tooling; verification goes through `jose`). */
export function signJwt(claims: Record<string, unknown>, secret: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${header}.${payload}.${createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')}`;
}
