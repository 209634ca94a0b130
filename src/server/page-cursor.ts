import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiError } from './context.js';
import { queryNumberOr } from './query-number.js';

/** Items a page holds when the client does not say (`limit`). */
export const DEFAULT_PAGE_LIMIT = 1_000;

/** Most items a page holds (`limit`): about 1 MB of entity summaries, answered in a few ms. */
export const MAX_PAGE_LIMIT = 10_000;

/** The query parameters of a paged route: `limit`, and `cursor` (the `next` of the page before). */
export const pageQuery = {
  limit: queryNumberOr(z.number().int().min(1).max(MAX_PAGE_LIMIT), DEFAULT_PAGE_LIMIT),
  cursor: z.string().min(1).max(4_096).optional().meta({ description: 'Where the page starts: the cursor in the Link rel="next" of the page before (opaque)' }),
};

/**
 * An opaque cursor: the state a route needs to start the next page, as base64url JSON. Opaque to clients
 * (they pass back the `next` they were given), checked when read back.
 */
export function encodeCursor(state: unknown): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

/**
 * The state in a cursor, checked by `schema`.
 * @throws ApiError 400 naming the parameter when the cursor is not one this route gave
 */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  let state: unknown;
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
  } catch {
    state = undefined;
  }
  const parsed = schema.safeParse(state);
  if (!parsed.success) throw new ApiError(400, "querystring/cursor: not a cursor of this route: pass the one in the Link rel=\"next\" of the page before, unchanged", { code: 'E_CURSOR' });
  return parsed.data;
}

/**
 * Sets `Link: <url>; rel="next"` (RFC 8288) to the same route and query with `cursor` set to `next`, and
 * `limit` kept; nothing when `next` is undefined (the last page).
 */
export function linkNext(request: FastifyRequest, reply: FastifyReply, next: string | undefined): void {
  if (next === undefined) return;
  const url = new URL(request.url, 'http://x');
  url.searchParams.set('cursor', next);
  void reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
}
