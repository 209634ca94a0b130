import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError, entityFor, inScope, principalOf, type ApiContext } from './context.js';
import type { StreamEvent } from './event-stream.js';

/**
 * `GET /stream`: Server-Sent Events of decisions and sensor changes, filtered by subtree and type, resumable
 * with Last-Event-ID (events still in the replay buffer are sent first).
 */
export async function streamRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/stream', {
    schema: {
      summary: 'Live decisions and sensor changes (SSE); resumable with Last-Event-ID',
      querystring: z.object({ subtree: z.string().optional(), types: z.string().default('decision,sensor') }),
    },
  }, (request, reply) => {
    const principal = principalOf(request);
    // without a subtree: the whole tree, filtered to the principal's scopes event by event
    const root = request.query.subtree === undefined ? context.tree.root : entityFor(context, request, request.query.subtree);
    const types = new Set(request.query.types.split(',').map((t) => t.trim()));
    for (const t of types) if (t !== 'decision' && t !== 'sensor') throw new ApiError(400, `unknown event type '${t}' (decision, sensor)`);
    const wanted = (e: StreamEvent): boolean => {
      if (!types.has(e.type)) return false;
      const entity = context.tree.find(e.entity);
      return entity !== undefined && root.contains(entity) && inScope(context, principal, entity);
    };
    // replay only for a client that resumes; a new client starts from now
    const resumeHeader = request.headers['last-event-id'];
    const lastId = resumeHeader === undefined ? undefined : Number(resumeHeader);
    if (lastId !== undefined && !Number.isInteger(lastId)) throw new ApiError(400, `Last-Event-ID must be an event id, got '${String(resumeHeader)}'`);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (e: StreamEvent): void => void raw.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
    raw.write('retry: 2000\n\n');
    if (lastId !== undefined) for (const e of context.hub.since(lastId, wanted)) send(e);
    const unsubscribe = context.hub.subscribe((e) => wanted(e) && send(e));
    // sensor events exist only while someone streams them: this client's subtree is tapped until it leaves
    const untap = types.has('sensor') ? context.history.stream(root) : undefined;
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    // a stopping service ends every stream, so that closing never waits on a client that never leaves
    const end = (): void => void raw.end();
    context.stop.signal.addEventListener('abort', end, { once: true });
    if (context.stop.stopping) end();
    raw.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      untap?.();
      context.stop.signal.removeEventListener('abort', end);
    });
  });
}
