import { z } from 'zod';
import { ROLES, type Role } from './auth-roles.js';

const claimPath = z.string().regex(/^[A-Za-z_$][\w$:/-]*(\.[\w$:/-]+)*$/, "a claim is a name or a dotted path, e.g. 'groups' or 'realm_access.roles'");

/**
 * Which JWT claims give the caller's name, role, scope and tenant, so the tokens of an OIDC provider
 * (Keycloak `realm_access.roles`, Dex and Okta `groups`, Entra `roles` or `scp`) work as they are.
 */
export const claimMappingSchema = z
  .strictObject({
    /** The claim naming the caller (audit log). Default `sub`. */
    name: claimPath.default('sub'),
    /**
     * Claims holding roles or groups: a string (several separated by spaces, as in `scp`) or a list. Every
     * value is looked up in `roleMap`, or taken as is when it is a role name; the highest role wins.
     * Default `[role]`.
     */
    roles: z.array(claimPath).min(1).max(10).default(['role']),
    /** Provider group or role names -> homeostat role, e.g. `{ "/ops": "operator", "homeostat-admins": "admin" }`. */
    roleMap: z.record(z.string().min(1), z.enum(ROLES)).default({}),
    /** The claim holding the subtrees (entity ids) the caller may see; absent means the whole tree (or tenant). Default `scope`. */
    scope: claimPath.default('scope'),
    /** Provider values -> entity ids. When set, values it does not name are ignored (not read as entity ids). */
    scopeMap: z.record(z.string().min(1), z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).optional(),
    /** The claim naming the caller's tenant: it then sees only the subtrees of that tenant. Default `tenant`. */
    tenant: claimPath.default('tenant'),
  })
  .default({ name: 'sub', roles: ['role'], roleMap: {}, scope: 'scope', tenant: 'tenant' });

/** The checked claim mapping. */
export type ClaimMapping = z.output<typeof claimMappingSchema>;

/** What the claims say about the caller, or why they cannot be used (a 401). */
export type MappedClaims = { readonly name: string; readonly role: Role; readonly scopes?: readonly string[]; readonly tenant?: string } | { readonly refused: string };

/** The value at a dotted path of the claims (`realm_access.roles`); a claim named with a dot wins over a path. */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let value: unknown = claims;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Reads name, role, scope and tenant from verified claims. A claim of the wrong type (a number where a
 * list of names belongs, an empty list) is refused, never read as "no restriction".
 */
export function mapClaims(claims: Readonly<Record<string, unknown>>, mapping: ClaimMapping): MappedClaims {
  const name = claimAt(claims, mapping.name);
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) return { refused: `JWT claims: ${mapping.name}: the caller's name must be a string of 1 to 200 characters` };
  const role = highestRole(claims, mapping);
  if (!role) return { refused: `JWT claims: none of ${mapping.roles.join(', ')} holds a role (${ROLES.join(', ')}) or a name in roleMap` };
  const scope = scopesFrom(claimAt(claims, mapping.scope), mapping);
  if (scope && 'refused' in scope) return scope;
  const tenant = claimAt(claims, mapping.tenant);
  if (tenant !== undefined && (typeof tenant !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(tenant))) return { refused: `JWT claims: ${mapping.tenant}: a tenant is one id (letters, digits, '-', '_', '.')` };
  return { name, role, ...(scope ? { scopes: scope.scopes } : {}), ...(tenant === undefined ? {} : { tenant }) };
}

function highestRole(claims: Readonly<Record<string, unknown>>, mapping: ClaimMapping): Role | undefined {
  let best = -1;
  for (const path of mapping.roles) {
    for (const value of namesIn(claimAt(claims, path)) ?? []) {
      const role = mapping.roleMap[value] ?? ((ROLES as readonly string[]).includes(value) ? (value as Role) : undefined);
      if (role !== undefined) best = Math.max(best, ROLES.indexOf(role));
    }
  }
  return best < 0 ? undefined : ROLES[best];
}

function scopesFrom(value: unknown, mapping: ClaimMapping): { scopes: readonly string[] } | { refused: string } | undefined {
  if (value === undefined) return undefined;
  const names = namesIn(value);
  if (!names || names.length === 0 || names.length > 100 || names.some((n) => n.length > 200)) {
    return { refused: `JWT claims: ${mapping.scope}: a scope is an entity id or a non-empty list of them (at most 100)` };
  }
  if (!mapping.scopeMap) return { scopes: names };
  const scopeMap = mapping.scopeMap;
  const scopes = names.flatMap((n) => (Object.hasOwn(scopeMap, n) ? [scopeMap[n] as string | string[]].flat() : []));
  // a scope claim present but naming nothing homeostat knows gives no rights, never the whole tree
  if (scopes.length === 0) return { refused: `JWT claims: ${mapping.scope}: no value is in scopeMap` };
  return { scopes: [...new Set(scopes)] };
}

/** A string (split on spaces, as OAuth `scope` is) or a list of strings; undefined for anything else. */
function namesIn(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(/\s+/).filter((s) => s.length > 0);
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string' && v.length > 0)) return value;
  return undefined;
}
