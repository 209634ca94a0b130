import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HomeostatError, ValidationError, describeError } from '../core/errors.js';
import { ApiError, statusForCode, inScope, principalOf, requireRole, type ApiContext } from './context.js';
import { inputJsonSchema } from './input-json-schema.js';
import { linkNext, pageQuery } from './page-cursor.js';
import { entityItemPage } from './entity-item-pages.js';
import type { PolicyFault } from '../knowledge/decision.js';

const policyParams = z.object({ id: z.string().min(1) });

/** Routes for attached policies: list, one, suspend, resume, dry run, config change. */
export async function policyRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const visible = (request: Parameters<typeof principalOf>[0], id: string) => {
    let attachment;
    try {
      attachment = context.engine.attachment(id);
    } catch (error) {
      if (error instanceof HomeostatError && error.code === 'E_UNKNOWN_POLICY') throw new ApiError(404, error.message);
      throw error;
    }
    if (!inScope(context, principalOf(request), attachment.entity)) throw new ApiError(403, `policy '${id}' is outside your scope`);
    return attachment;
  };
  const mutate = (request: Parameters<typeof principalOf>[0], id: string, action: string, params: unknown, change: () => unknown) => {
    const principal = principalOf(request);
    const entity = context.engine.attachment(id).entity;
    const base = { who: { kind: 'person' as const, name: principal.name }, action, target: id, entity: entity.id, path: entity.path, params };
    try {
      const status = change();
      context.audit.record({ ...base, result: 'ok' });
      return status;
    } catch (error) {
      context.audit.record({ ...base, result: 'rejected', detail: describeError(error) });
      if (error instanceof ValidationError) throw new ApiError(400, error.message, { issues: error.problems }).markAudited();
      if (error instanceof HomeostatError) throw new ApiError(statusForCode(error.code), error.message, { code: error.code }).markAudited();
      throw error;
    }
  };

  api.get('/policies', {
    schema: {
      summary: 'Attached policies (within your scope), a page at a time',
      description: 'At most limit policies, entity by entity in the order of the tree (each entity\'s in the order they were attached); the page after is at the Link rel="next" header (absent on the last page).',
      querystring: z.object(pageQuery),
    },
  }, async (request, reply) => {
    const page = entityItemPage(context, principalOf(request), request.query.limit, request.query.cursor, (entity) => context.engine.policiesOf(entity));
    linkNext(request, reply, page.next);
    return page.items;
  });

  api.get('/policies/:id', { schema: { summary: 'One policy: status, its recent faults (why it restarts), config and its schema', params: policyParams } }, async (request) => {
    const a = visible(request, request.params.id);
    const status = context.engine.policy(a.id);
    return { ...status, recentFaults: await recentFaults(context, a.id, status.faults), description: a.definition.description ?? null, config: a.rawConfig, configSchema: inputJsonSchema(a.definition.config) };
  });

  api.post('/policies/:id/suspend', { schema: { summary: 'Suspend: keeps planning; decisions are recorded as suspended', params: policyParams, body: z.object({ reason: z.string().max(500).optional() }).nullish() } }, async (request) => {
    requireRole(request, 'operator');
    visible(request, request.params.id);
    return mutate(request, request.params.id, 'suspend', request.body, () => context.engine.suspend(request.params.id, request.body?.reason ?? `suspended by ${principalOf(request).name}`));
  });

  api.post('/policies/:id/resume', { schema: { summary: 'Resume a suspended policy', params: policyParams } }, async (request) => {
    requireRole(request, 'operator');
    visible(request, request.params.id);
    return mutate(request, request.params.id, 'resume', undefined, () => context.engine.resume(request.params.id));
  });

  api.post('/policies/:id/dry-run', { schema: { summary: 'Turn dry run on or off for one policy', params: policyParams, body: z.object({ enabled: z.boolean() }) } }, async (request) => {
    requireRole(request, 'operator');
    visible(request, request.params.id);
    return mutate(request, request.params.id, 'dry-run', request.body, () => context.engine.setDryRun(request.params.id, request.body.enabled));
  });

  api.put('/policies/:id/config', { schema: { summary: "Change a policy's config (validated by its schema; nothing changes when invalid)", params: policyParams, body: z.object({ config: z.record(z.string(), z.unknown()) }) } }, async (request) => {
    requireRole(request, 'admin');
    visible(request, request.params.id);
    const { tenant, scopes } = principalOf(request);
    // a caller limited to part of the tree configures the policy to act only there (see ActingScope)
    const limited = tenant !== undefined || scopes !== undefined;
    return mutate(request, request.params.id, 'config', request.body.config, () => context.engine.reconfigure(request.params.id, request.body.config, limited ? { scope: principalOf(request) } : {}));
  });
}

/** The faults shown with one policy: its newest, the newest first. */
const RECENT_FAULTS = 5;

/**
 * A policy's newest faults as knowledge keeps them (phase, message, time, restart delay), for an operator asking
 * why it restarts; [] with none, and null when the store cannot be read now (the status still answers).
 */
async function recentFaults(context: ApiContext, policy: string, faults: number): Promise<PolicyFault[] | null> {
  if (faults === 0) return [];
  try {
    return await context.knowledge.queryFaults({ policy, limit: RECENT_FAULTS });
  } catch {
    return null;
  }
}
