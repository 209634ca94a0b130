import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import type { FeedBoard } from '../sensors/feeds/feed-health.js';
import { NotPushableError, pushReading } from '../sensors/push-reading.js';
import { ApiError, entityFor, principalOf, requireRole, type ApiContext } from './context.js';
import { entityItemPage } from './entity-item-pages.js';
import { linkNext, pageQuery } from './page-cursor.js';

/**
 * Pushed readings (`POST /entities/:id/sensors/:sensor`, operator, scope-checked, audited) and feed health
 * (`GET /feeds`, `GET /entities/:id/feeds`).
 */
export async function sensorRoutes(app: FastifyInstance, context: ApiContext, feeds: FeedBoard | undefined): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/entities/:id/sensors/:sensor', {
    schema: {
      summary: "Push a reading to a sensor declared pushable; the value is checked by the sensor's schema",
      params: z.object({ id: z.string().min(1), sensor: z.string().min(1) }),
      body: z.strictObject({ value: z.unknown() }),
    },
  }, async (request) => {
    const principal = requireRole(request, 'operator');
    const entity = entityFor(context, request, request.params.id);
    const { sensor } = request.params;
    const who = { kind: 'person' as const, name: principal.name };
    if (!entity.hasSensor(sensor)) throw new ApiError(404, `entity '${entity.id}' has no sensor '${sensor}'`);
    if (!('value' in request.body)) throw new ApiError(400, "the body is { value: ... }");
    try {
      const observation = pushReading(context.tree, entity.id, sensor, request.body.value);
      context.audit.record({ who, action: `push ${sensor}`, target: entity.id, entity: entity.id, path: entity.path, params: { value: request.body.value }, result: 'ok' });
      return observation;
    } catch (error) {
      if (error instanceof NotPushableError) {
        context.audit.record({ who, action: `push ${sensor}`, target: entity.id, entity: entity.id, path: entity.path, result: 'denied', detail: error.message });
        throw new ApiError(409, error.message, { code: error.code });
      }
      if (error instanceof ValidationError) {
        context.audit.record({ who, action: `push ${sensor}`, target: entity.id, entity: entity.id, path: entity.path, params: { value: request.body.value }, result: 'rejected', detail: error.message });
        throw new ApiError(400, error.message, { code: error.code, issues: error.problems });
      }
      throw error;
    }
  });

  api.get('/feeds', {
    schema: {
      summary: 'Health of the feeds in your scope (last success, consecutive failures, counts), a page at a time',
      description: 'At most limit feeds, entity by entity in the order of the tree; the page after is at the Link rel="next" header (absent on the last page).',
      querystring: z.object(pageQuery),
    },
  }, async (request, reply) => {
    const page = entityItemPage(context, principalOf(request), request.query.limit, request.query.cursor, (entity) => feeds?.health(entity.id) ?? []);
    linkNext(request, reply, page.next);
    return page.items;
  });

  api.get('/entities/:id/feeds', { schema: { summary: 'Health of the feeds of one entity', params: z.object({ id: z.string().min(1) }) } }, async (request) => {
    const entity = entityFor(context, request, request.params.id);
    return feeds?.health(entity.id) ?? [];
  });
}
