import type { FastifyRequest } from 'fastify';
import type { ApiContext } from './context.js';

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
 * Audits a refused mutating request (401, 403, 404, 400, 409, 422...) with the reason, so that what was
 * refused leaves the same trace as what was done. Reads nothing that could throw: a refusal never fails twice.
 */
export function auditRefusal(context: ApiContext, request: FastifyRequest, status: number, reason: string): void {
  if (!isMutating(request.method) || status < 400 || status >= 500) return;
  const principal = (request as FastifyRequest & { principal?: { name: string } }).principal;
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
