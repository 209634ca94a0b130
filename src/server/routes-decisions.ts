import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DECISION_OUTCOMES } from '../knowledge/decision.js';
import { queryNumber, queryNumberOr } from './query-number.js';
import { flushAnonymousRefusals } from './refusals.js';
import { ApiError, inScope, principalOf, requireRole, scopeRoots, type ApiContext } from './context.js';

/** Routes for the decision log and the audit log. */
export async function decisionRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const visible = (request: Parameters<typeof principalOf>[0], entityId: string) => {
    const entity = context.tree.find(entityId);
    const principal = principalOf(request);
    return principal.scopes === undefined || (entity !== undefined && inScope(context, principal, entity));
  };

  api.get('/decisions', {
    schema: {
      summary: 'Decisions, newest first, filtered by entity, policy, outcome and time range (ms)',
      querystring: z.object({
        entity: z.string().optional(),
        policy: z.string().optional(),
        outcome: z.enum(DECISION_OUTCOMES).optional(),
        from: queryNumber(z.number()).optional(),
        to: queryNumber(z.number()).optional(),
        limit: queryNumberOr(z.number().int().min(1).max(10_000), 100),
      }),
    },
  }, async (request) => {
    const q = request.query;
    const unknown = q.entity !== undefined && (!context.tree.find(q.entity) || (principalOf(request).tenant !== undefined && !visible(request, q.entity)));
    if (unknown) throw new ApiError(404, `no entity '${q.entity}'`);
    const decisions = await context.knowledge.queryDecisions({
      ...(q.entity === undefined ? {} : { entity: q.entity }),
      ...(q.policy === undefined ? {} : { policy: q.policy }),
      ...(q.outcome === undefined ? {} : { outcome: q.outcome }),
      ...(q.from === undefined ? {} : { from: q.from }),
      ...(q.to === undefined ? {} : { to: q.to }),
      limit: q.limit * 4,
    });
    return decisions.filter((d) => visible(request, d.entity)).slice(0, q.limit);
  });

  api.get('/decisions/:id', { schema: { summary: 'One decision in full: reason, inputs, outcome, durations', params: z.object({ id: z.string() }) } }, async (request) => {
    const decision = await context.knowledge.getDecision(request.params.id);
    if (!decision) throw new ApiError(404, `no decision '${request.params.id}'`);
    if (!visible(request, decision.entity)) throw new ApiError(403, 'outside your scope');
    return decision;
  });

  api.get('/audit', { schema: { summary: 'The audit log, newest first: who did what, when, with which params', querystring: z.object({ limit: queryNumberOr(z.number().int().min(1).max(10_000), 100) }) } }, async (request) => {
    const principal = requireRole(request, 'operator');
    // a count of anonymous refusals whose minute has ended is in what is read
    flushAnonymousRefusals(context);
    // by the entity each entry concerns (its path when recorded); an entry that cannot be placed is shown
    // only to a principal of the whole tree
    return context.audit.entries({ limit: request.query.limit, ...(principal.scopes === undefined ? {} : { within: scopeRoots(context, principal.scopes) }) });
  });
}
