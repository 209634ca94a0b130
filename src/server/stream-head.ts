import type { FastifyInstance } from 'fastify';
import { ApiError, entityFor, type ApiContext } from './context.js';

/** The headers `GET /stream` answers with. */
const STREAM_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

/**
 * Answers `HEAD /stream` itself, before the stream's handler: the HEAD route fastify makes for every GET ran
 * that handler, which opens a stream whose writes a HEAD response drops, so its headers were never sent and the
 * request waited for ever while the service kept its subscription. The answer is GET's (200 and its headers,
 * 401, 403, 404 for an unknown subtree, 400 for an unknown type) with no body, and nothing is subscribed.
 * @param prefix the plugin's prefix, under which `/stream` is routed
 */
export function answerStreamHead(app: FastifyInstance, context: ApiContext, prefix: string): void {
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'HEAD' || request.routeOptions.url !== `${prefix}/stream`) return;
    const query = request.query as { subtree?: string; types?: string };
    if (query.subtree !== undefined) entityFor(context, request, query.subtree);
    for (const t of (query.types ?? 'decision,sensor').split(',').map((s) => s.trim())) {
      if (t !== 'decision' && t !== 'sensor') throw new ApiError(400, `unknown event type '${t}' (decision, sensor)`);
    }
    return reply.code(200).headers(STREAM_HEADERS).send();
  });
}
