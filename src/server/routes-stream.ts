import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError, entityFor, inScope, principalOf, type ApiContext } from './context.js';
import type { StreamEvent } from './event-stream.js';

/** The headers a stream answers with (and HEAD /stream). */
const STREAM_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

/** Default of the plugin option `streamBacklogBytes`: 8 MiB of events a client may fall behind by. */
export const DEFAULT_STREAM_BACKLOG_BYTES = 8 * 1024 * 1024;

/** The longest delay a Node.js timer holds (about 24.8 days): a stream of a token valid for longer ends then, and reconnects. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Default of the plugin option `streamStallMs`: how long a stream that fell behind may take to drain. */
export const DEFAULT_STREAM_STALL_MS = 30_000;

/**
 * `GET /stream`: Server-Sent Events of decisions and sensor changes, filtered by subtree and type, resumable
 * with Last-Event-ID (events still in the replay buffer are sent first). A client that resumes past what the
 * buffer holds, or with an id of an earlier run of the service, first gets a `gap` event saying so. A client
 * that falls behind by more than `streamBacklogBytes` (events written that its connection has not taken: a
 * stalled dashboard, a slow link under a burst) gets no more events: its stream ends once it has taken what
 * was written, and it resumes with Last-Event-ID; one that takes none of it within `streamStallMs` is cut.
 * The replay counts against the bound as live events do: a replay past it ends the stream the same way.
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
    // an event id is a whole number from 1 (digits only: '', '-5', '0x10' and '1e3' are not ids)
    if (resumeHeader !== undefined && (typeof resumeHeader !== 'string' || !/^\d{1,15}$/.test(resumeHeader))) throw new ApiError(400, `Last-Event-ID must be an event id (a whole number), got '${String(resumeHeader)}'`);
    const lastId = resumeHeader === undefined ? undefined : Number(resumeHeader);
    // HEAD (the route fastify makes for every GET runs this handler): GET's answer without a body, nothing
    // subscribed; a hijacked HEAD never sent its headers and held its subscription for ever
    if (request.method === 'HEAD') return reply.code(200).headers(STREAM_HEADERS).send();
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { ...STREAM_HEADERS, connection: 'keep-alive' });
    const write = (e: StreamEvent): void => void raw.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${e.json}\n\n`);
    let stalled: NodeJS.Timeout | undefined;
    // what is written counts against the bound, the replay of a resuming client included: a client that takes
    // none of it holds at most about streamBacklogBytes, for at most streamStallMs
    const send = (e: StreamEvent): void => {
      if (stalled !== undefined || raw.destroyed) return;
      if (raw.writableLength <= context.streamBacklogBytes) return write(e);
      // behind by more than the bound: nothing more is written; the stream ends once the client has taken what
      // was (it then resumes with the last id it got, and the replay buffer has what followed), or is cut when
      // it takes none of it within streamStallMs
      request.log.warn({ backlogBytes: raw.writableLength, limitBytes: context.streamBacklogBytes }, `ending a /stream that fell ${raw.writableLength} bytes behind (limit ${context.streamBacklogBytes}): the client resumes with Last-Event-ID`);
      raw.end();
      // the response is over once its end is handed to the connection; what the client has not taken waits in
      // the connection's own buffer, which is cut when it still holds some after streamStallMs
      const connection = raw.socket;
      stalled = setTimeout(() => {
        if (connection && !connection.destroyed && connection.writableLength > 0) connection.destroy();
      }, context.streamStallMs);
      stalled.unref();
      connection?.once('close', () => clearTimeout(stalled));
    };
    raw.write('retry: 2000\n\n');
    if (lastId !== undefined) {
      const gap = gapAfter(lastId, context.hub.oldestId, context.hub.newestId);
      if (gap) raw.write(`event: gap\ndata: ${JSON.stringify(gap)}\n\n`);
      // a replay past the bound ends the stream as a live burst does: the client resumes from the last id it took
      for (const e of context.hub.since(lastId, wanted)) {
        if (stalled !== undefined) break;
        send(e);
      }
    }
    const unsubscribe = context.hub.subscribe((e) => wanted(e) && send(e));
    // sensor events exist only while someone streams them: this client's subtree is tapped until it leaves
    const untap = types.has('sensor') ? context.history.stream(root) : undefined;
    const keepAlive = setInterval(() => stalled === undefined && raw.write(': keep-alive\n\n'), 15_000);
    // a credential is checked when the stream opens: one that expires (a JWT's exp) ends the stream then, saying
    // so, and the client reconnects with a fresh one (an expired one is refused with 401)
    const expiry = principal.expiresAt === undefined ? undefined : setTimeout(() => {
      // a stream ended already (past the bound) waits only for its client to take what was written
      if (raw.writableEnded) return;
      raw.write(`event: expired\ndata: ${JSON.stringify({ reason: 'the token this stream was opened with has expired: reconnect with a fresh one' })}\n\n`);
      raw.end();
    }, Math.min(Math.max(0, principal.expiresAt - Date.now()), MAX_TIMER_MS));
    // a stopping service ends every stream, so that closing never waits on a client that never leaves
    const end = (): void => void raw.end();
    context.stop.signal.addEventListener('abort', end, { once: true });
    if (context.stop.stopping) end();
    raw.on('close', () => {
      clearInterval(keepAlive);
      clearTimeout(expiry);
      unsubscribe();
      untap?.();
      context.stop.signal.removeEventListener('abort', end);
    });
  });
}

/** What a resuming client is told it may have missed. */
export interface StreamGap {
  /** The Last-Event-ID the client gave. */
  readonly after: number;
  /** The first event id it will get (events between were dropped from the replay buffer, or ids restarted). */
  readonly next: number;
  readonly reason: string;
}

/**
 * The gap a client resuming after `givenId` faces: events it missed that the replay buffer no longer holds, or
 * an id from an earlier run of the service (ids start again at 1 when it restarts). Undefined when the buffer
 * holds everything after `givenId`.
 * @param oldestId the oldest event id the buffer holds (undefined when empty)
 * @param newestId the newest event id given out (0 before the first)
 */
export function gapAfter(givenId: number, oldestId: number | undefined, newestId: number): StreamGap | undefined {
  const lastId = Math.max(0, givenId); // ids start at 1: nothing before it was missed
  if (lastId > newestId) return { after: lastId, next: newestId + 1, reason: `event ids start again: the service restarted since event ${lastId} (its newest is ${newestId}); reload what you show` };
  if (oldestId !== undefined && lastId < oldestId - 1) return { after: lastId, next: oldestId, reason: `events ${lastId + 1} to ${oldestId - 1} are no longer in the replay buffer; reload what you show` };
  return undefined;
}
