import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HomeostatError, UnknownEffectorError, ValidationError, describeError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { ApiError, entityFor, pathInScope, principalOf, requireRole, statusForCode, type ApiContext, type ApiInvocation } from './context.js';
import { InvocationRecordsFullError } from './invocation-records.js';
import { QuotaExceededError } from '../core/engine/quota-exceeded-error.js';
import { refusedOverQuota } from './quota-refusal.js';
import { inputJsonSchema } from './input-json-schema.js';
import { queryNumber, queryNumberOr } from './query-number.js';
import { boundedTree, entityListPage, entitySummary } from './entity-pages.js';
import { linkNext, pageQuery } from './page-cursor.js';
import { defaultRootOf, nameOtherRoots } from './other-roots.js';
import { sensorViews } from './sensor-views.js';
import { FirstSightings } from '../core/first-sightings.js';

/** What a refusal while stopping tells the caller to wait before retrying (s): about one lease renewal's hand-over. */
const STOPPING_RETRY_AFTER_S = 1;

/**
 * Largest body an effector invocation takes (bytes): 64 KiB. Params are small (a size, a member, a version),
 * and every invocation keeps its params in its record, a refused one too: under the server's 1 MiB bound, 500
 * refused invocations held 400 MB of records.
 */
export const INVOKE_BODY_LIMIT = 64 * 1024;

const idParams = z.object({ id: z.string().min(1) });

/** Routes for the tree, one entity, sensor history, effector invocation and invocation polling. */
export async function entityRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const damagedSnapshots = new FirstSightings();
  let sequence = 0;

  api.get('/entities', {
    schema: {
      summary: 'The entity tree (within your scope): nested, or a list read page by page',
      description: 'format=tree (default): the subtree of root as nested entities, at most limit of them: entities are expanded breadth first until the children of the next one do not fit; an entity not expanded has childCount instead of children. '
        + 'format=list: the subtree in pre-order (an entity, then its children\'s subtrees), limit entities a page, each with its parent and childCount; the page after is at the Link rel="next" header (absent on the last page). Pass root and depth unchanged with the cursor. '
        + 'Without root: the caller\'s first scope whose entity is in the tree (the whole tree for a caller of the whole tree); a caller of several scopes is told the roots of the others in the Other-Roots header (ids, comma-separated, in the order of its scopes: ask each with ?root=; GET /me lists them all).',
      querystring: z.object({
        root: z.string().optional(),
        depth: queryNumberOr(z.number().int().min(0).max(100), 100),
        format: z.enum(['tree', 'list']).default('tree'),
        ...pageQuery,
      }),
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const q = request.query;
    // a principal of several subtrees gets the first one it can see now, told the others, to ask with ?root=
    const root = entityFor(context, request, q.root ?? defaultRootOf(context, principal));
    if (q.format === 'tree' && q.cursor !== undefined) throw new ApiError(400, 'querystring/cursor: pages are of format=list (the tree is one answer, with ?root= for a subtree)', { code: 'E_CURSOR' });
    if (q.root === undefined) nameOtherRoots(context, reply, principal, root);
    if (q.format === 'tree') return boundedTree(root, q.depth, q.limit);
    const page = entityListPage(root, q.depth, q.limit, q.cursor, (id) => context.tree.find(id));
    linkNext(request, reply, page.next);
    return page.items;
  });

  api.get('/entities/:id', { schema: { summary: 'One entity: sensors, effectors with their parameter schemas, policies', params: idParams } }, async (request) => {
    const entity = entityFor(context, request, request.params.id);
    const sensors = await sensorViews(entity, context.knowledge, context.tree.scheduler.now(), request.log, damagedSnapshots);
    return {
      ...entitySummary(entity),
      config: entity.config,
      parent: entity.parent?.id ?? null,
      children: entity.children.map((c) => c.id),
      sensors,
      effectors: entity.effectors.map((e) => ({ name: e.name, description: e.description ?? null, idempotent: e.idempotent ?? false, timeoutMs: e.timeoutMs ?? 30_000, params: inputJsonSchema(e.params) })),
      policies: context.engine.policiesOf(entity),
    };
  });

  api.get('/entities/:id/sensors/:sensor/history', {
    schema: { summary: 'Recent readings of one sensor, oldest first', params: z.object({ id: z.string(), sensor: z.string() }) },
  }, async (request) => {
    const entity = entityFor(context, request, request.params.id);
    if (!entity.hasSensor(request.params.sensor)) throw new ApiError(404, `entity '${entity.id}' has no sensor '${request.params.sensor}'`);
    return { entity: entity.id, sensor: request.params.sensor, readings: context.history.of(entity, request.params.sensor) };
  });

  api.post('/entities/:id/effectors/:effector', {
    bodyLimit: INVOKE_BODY_LIMIT,
    schema: {
      summary: 'Invoke an effector (params validated by its schema); 202 with a poll address when it takes longer than wait',
      params: z.object({ id: z.string(), effector: z.string() }),
      querystring: z.object({ wait: queryNumber(z.number().int().min(0).max(600_000)).optional() }),
      // null as well: fastify gives a request without a body (or with an empty one) the body null
      body: z.record(z.string(), z.unknown()).nullish(),
    },
  }, async (request, reply) => {
    const principal = requireRole(request, 'operator');
    const entity = entityFor(context, request, request.params.id);
    if (!entity.hasEffector(request.params.effector)) throw new ApiError(404, describeError(new UnknownEffectorError(entity.id, request.params.effector)));
    if (context.stop.refusesInvocations) {
      // another instance (or this one, restarted) takes invocations again soon: the caller may retry there
      void reply.header('retry-after', String(STOPPING_RETRY_AFTER_S));
      throw new ApiError(503, 'the service is stopping: it starts no new effector invocation; retry on another instance or after its restart');
    }
    const id = `call-${++sequence}-${Math.random().toString(36).slice(2, 8)}`;
    const entry: ApiInvocation = { status: 'running', entity: entity.id, path: entity.path, effector: request.params.effector };
    try {
      context.invocations.add(id, entry);
    } catch (error) {
      if (error instanceof InvocationRecordsFullError) throw new ApiError(503, error.message, { code: error.code });
      throw error;
    }
    const options = { caller: { kind: 'person' as const, name: principal.name }, signal: context.stop.invocationSignal };
    const running = context.engine.invokeHeld(entity, request.params.effector, request.body ?? {}, options).then(
      (result) => context.invocations.settle(id, entry, { status: 'succeeded', result: redact(result) }),
      (error: unknown) => {
        context.invocations.settle(id, entry, { status: 'failed', error: describeError(error), code: error instanceof HomeostatError ? error.code : 'E_EFFECTOR_FAILED' });
        if (error instanceof ValidationError || error instanceof QuotaExceededError) throw error;
        return entry;
      },
    );
    context.stop.track(running);
    const waitMs = request.query.wait ?? context.invokeWaitMs;
    let timer: NodeJS.Timeout | undefined;
    let onStop: (() => void) | undefined;
    // a request that waits answers 202 at once when the service stops, so its connection can close
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), waitMs);
      onStop = () => resolve('timeout');
      context.stop.signal.addEventListener('abort', onStop, { once: true });
    });
    try {
      const outcome = await Promise.race([running, timedOut]);
      if (outcome === 'timeout') return reply.code(202).send({ invocation: id, status: 'running', poll: `${request.url.split('/entities/')[0]}/invocations/${id}` });
      // a failed invocation says why by its code: the caller's mistake (422 unknown target), or the managed system's (502)
      return reply.code(outcome.status === 'succeeded' ? 200 : statusForCode(outcome.code)).send({ invocation: id, ...outcome });
    } catch (error) {
      context.invocations.delete(id);
      // the invocation record (outcome rejected) is in the audit log already
      if (error instanceof ValidationError) throw new ApiError(400, error.message, { issues: error.problems }).markAudited();
      if (error instanceof QuotaExceededError) throw refusedOverQuota(context, error, { who: options.caller, entity, effector: request.params.effector, params: request.body });
      throw error instanceof HomeostatError ? new ApiError(statusForCode(error.code), error.message, { code: error.code }) : error;
    } finally {
      clearTimeout(timer);
      if (onStop) context.stop.signal.removeEventListener('abort', onStop);
    }
  });

  api.get('/invocations/:id', { schema: { summary: 'An effector invocation started through the API', params: idParams } }, async (request) => {
    const entry = context.invocations.get(request.params.id);
    if (!entry) throw new ApiError(404, `no invocation '${request.params.id}'`);
    // placed by the path its entity had, so an invocation on an entity that has left the tree stays scoped
    if (!pathInScope(context, principalOf(request), entry.path)) throw new ApiError(403, 'outside your scope');
    const { path: _path, ...shown } = entry;
    return { invocation: request.params.id, ...shown };
  });
}
