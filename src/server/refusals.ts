import type { FastifyRequest } from 'fastify';
import type { ApiContext } from './context.js';
import { AnonymousRefusals, type UnauditedRefusals } from './anonymous-refusals.js';

export { ANONYMOUS_REFUSALS_PER_WINDOW, AnonymousRefusals } from './anonymous-refusals.js';

/** The bound on anonymous refusals of each service (one per plugin context). */
const anonymous = new WeakMap<ApiContext, AnonymousRefusals>();

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** True for the methods whose requests are audited, refused or not. */
export function isMutating(method: string): boolean {
  return MUTATING.has(method.toUpperCase());
}

/** The entity a request concerns, from its route params: the entity itself, or a policy's entity. */
function entityOf(context: ApiContext, request: FastifyRequest): { entity: string | null; path: string | null } {
  const id = (request.params as Record<string, unknown> | undefined)?.['id'];
  if (typeof id !== 'string') return { entity: null, path: null };
  const route = request.routeOptions.url ?? '';
  let entity = context.tree.find(id);
  if (route.includes('/policies/')) {
    try {
      entity = context.engine.attachment(id).entity;
    } catch {
      entity = undefined;
    }
  }
  return entity ? { entity: entity.id, path: entity.path } : { entity: null, path: null };
}

/**
 * Whether to audit a refusal of a caller without a valid token: the first of each minute are, the rest are
 * counted, and the count is written as one entry once its minute has ended (a timer that keeps nothing alive,
 * the next refusal, a read of the audit log, or the service's stop: whichever comes first).
 */
function admitAnonymous(context: ApiContext): boolean {
  const refusals = refusalsOf(context);
  const verdict = refusals.admit();
  if (verdict.unaudited) writeUnaudited(context, verdict.unaudited);
  if (verdict.firstCounted) setTimeout(() => flushAnonymousRefusals(context), Math.max(0, refusals.windowEndsAt - Date.now()) + 1).unref();
  return verdict.audit;
}

function refusalsOf(context: ApiContext): AnonymousRefusals {
  let refusals = anonymous.get(context);
  if (!refusals) anonymous.set(context, (refusals = new AnonymousRefusals()));
  return refusals;
}

/**
 * Writes the count of anonymous refusals not audited one by one: of a minute that has ended, or with `all` (a
 * stopping service) of the minute under way too. Nothing when none is pending.
 */
export function flushAnonymousRefusals(context: ApiContext, all = false): void {
  const refusals = anonymous.get(context);
  const pending = all ? refusals?.takeAll() : refusals?.takeEnded();
  if (pending) writeUnaudited(context, pending);
}

function writeUnaudited(context: ApiContext, { count, sinceMs, untilMs }: UnauditedRefusals): void {
  context.audit.record({
    who: { kind: 'person', name: 'unauthenticated' },
    action: 'refused requests',
    target: 'service',
    entity: null,
    path: null,
    result: 'denied',
    status: 401,
    detail: `${count} more requests without a valid token were refused from ${new Date(sinceMs).toISOString()} to ${new Date(untilMs).toISOString()}, counted here rather than audited one by one`,
  });
}

/**
 * Audits a refused mutating request (401, 403, 404, 400, 409, 422...) with the reason, so that what was
 * refused leaves the same trace as what was done. Reads nothing that could throw: a refusal never fails twice.
 * Refusals of callers without a valid token are bounded (AnonymousRefusals), so they cannot push the log out.
 */
export function auditRefusal(context: ApiContext, request: FastifyRequest, status: number, reason: string): void {
  if (!isMutating(request.method) || status < 400 || status >= 500) return;
  const principal = (request as FastifyRequest & { principal?: { name: string } }).principal;
  if (principal === undefined && !admitAnonymous(context)) return;
  const target = (request.params as Record<string, unknown> | undefined)?.['id'];
  context.audit.record({
    who: { kind: 'person', name: principal?.name ?? 'unauthenticated' },
    action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
    target: typeof target === 'string' ? target : (request.url.split('?')[0] ?? request.url).slice(0, 200),
    ...entityOf(context, request),
    ...(request.body === undefined || request.body === null ? {} : { params: request.body }),
    result: status === 401 || status === 403 ? 'denied' : 'rejected',
    status,
    detail: reason,
  });
}
