import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from './auth-roles.js';
import { inScope, principalOf, type ApiContext } from './context.js';
import { credentialOf } from './credential.js';

/** A scope root as `GET /me` gives it: the entity where a part of the caller's view starts, or a scope naming none. */
const scopeRootSchema = z.union([
  z.object({ id: z.string(), path: z.string(), type: z.string() }).meta({ description: 'A scope root in the tree: its id, path and type' }),
  z.object({ id: z.string(), missing: z.literal(true) }).meta({ description: 'A scope naming no entity the caller can see now (not in the tree, or in another tenant)' }),
]);

/** The answer of `GET /me`. */
export const meSchema = z.object({
  name: z.string().meta({ description: 'Who the token names (the audit log says this)' }),
  role: z.enum(ROLES),
  tenant: z.string().optional().meta({ description: 'The tenant the token belongs to, when it has one' }),
  scopes: z.array(z.string()).nullable().meta({ description: 'The ids of the subtrees the caller sees (a tenant\'s token without a scope: its tenant\'s subtrees); null: the whole tree' }),
  roots: z.array(scopeRootSchema).meta({ description: 'Where the caller\'s view starts, one entry per scope in its order (the tree\'s root for the whole tree): ask GET /entities?root=<id> for each' }),
  expiresAt: z.iso.datetime().optional().meta({ description: 'When the token stops being accepted (a JWT\'s exp, the clock skew included); absent for tokens that do not expire' }),
});

/** `GET /me`: who the caller's token says it is, and which subtrees it sees. */
export async function meRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/me', {
    schema: {
      summary: 'Who you are: name, role, tenant, and the subtrees you see (their roots, to list them)',
      description: 'Any valid token. scopes is null for a caller of the whole tree; roots then holds the tree\'s root. A scope naming an entity that is not in the tree now (or not in the caller\'s tenant) is listed with missing: true.',
      response: { 200: meSchema },
    },
  }, async (request) => {
    const principal = principalOf(request);
    // the scopes as the token lists them (one naming nothing included); a tenant's token without any: its tenant's subtrees
    const listed = credentialOf(request)?.scopes ?? principal.scopes;
    const rootOf = (id: string): z.infer<typeof scopeRootSchema> => {
      const entity = context.tree.find(id);
      // one of another tenant is missing as well: its existence does not cross tenants
      return entity !== undefined && inScope(context, principal, entity) ? { id, path: entity.path, type: entity.type } : { id, missing: true };
    };
    return {
      name: principal.name,
      role: principal.role,
      ...(principal.tenant === undefined ? {} : { tenant: principal.tenant }),
      scopes: listed === undefined ? null : [...listed],
      roots: (listed ?? [context.tree.root.id]).map(rootOf),
      ...(principal.expiresAt === undefined ? {} : { expiresAt: new Date(principal.expiresAt).toISOString() }),
    };
  });
}
