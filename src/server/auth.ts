import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Roles, each including the rights of the ones before it. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking: a name for the audit log, a role, and the subtree (entity id) the role applies to. */
export interface Principal {
  readonly name: string;
  readonly role: Role;
  /** Entity id whose subtree this principal may see and act on; undefined means the whole tree. */
  readonly scope?: string;
}

/** Access control settings: static bearer tokens and/or HS256 JWTs. */
export const authSchema = z.strictObject({
  tokens: z.array(z.strictObject({ token: z.string().min(16, 'a token must be at least 16 characters'), name: z.string().min(1), role: z.enum(ROLES), scope: z.string().optional() })).default([]),
  /** HS256 secret; the JWT's claims give `sub` (name), `role` and optionally `scope`. */
  jwtSecret: z.string().min(32, 'a JWT secret must be at least 32 characters').optional(),
});
export type AuthSettings = z.output<typeof authSchema>;

/** True when `role` has at least the rights of `needed`. */
export function allows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/**
 * Resolves an Authorization header to a principal, or undefined when it is missing or invalid. With no
 * tokens and no JWT secret configured, access control is off and every caller is an admin of the whole
 * tree (the server then listens on loopback only).
 */
export function authenticate(settings: AuthSettings, header: string | undefined): Principal | undefined {
  if (settings.tokens.length === 0 && !settings.jwtSecret) return { name: 'local', role: 'admin' };
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const presented = match[1] as string;
  for (const t of settings.tokens) {
    if (equal(t.token, presented)) return { name: t.name, role: t.role, ...(t.scope === undefined ? {} : { scope: t.scope }) };
  }
  return settings.jwtSecret ? verifyJwt(presented, settings.jwtSecret) : undefined;
}

function verifyJwt(token: string, secret: string): Principal | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg;
    if (alg !== 'HS256') return undefined;
    const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
    if (!equal(expected, signature)) return undefined;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: unknown; role?: unknown; scope?: unknown; exp?: unknown };
    if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return undefined;
    if (typeof claims.sub !== 'string' || !ROLES.includes(claims.role as Role)) return undefined;
    return { name: claims.sub, role: claims.role as Role, ...(typeof claims.scope === 'string' ? { scope: claims.scope } : {}) };
  } catch {
    return undefined;
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Signs an HS256 JWT (for tests and tooling). */
export function signJwt(claims: Record<string, unknown>, secret: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${header}.${payload}.${createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')}`;
}
