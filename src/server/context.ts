import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../core/engine/engine.js';
import type { Entity } from '../core/entity.js';
import type { EntityTree } from '../core/entity-tree.js';
import type { Knowledge } from '../knowledge/knowledge.js';
import type { AuditLog } from './audit.js';
import { allows, type AuthSettings, type Principal, type Role } from './auth.js';
import type { EventHub } from './event-stream.js';
import type { SensorHistory } from './sensor-history.js';

/** What the routes share. */
export interface ApiContext {
  readonly tree: EntityTree;
  readonly engine: Engine;
  readonly knowledge: Knowledge;
  readonly audit: AuditLog;
  readonly hub: EventHub;
  readonly history: SensorHistory;
  readonly auth: AuthSettings;
  /** How long a synchronous effector invocation may take before the API answers 202 (ms). */
  readonly invokeWaitMs: number;
  readonly invocations: Map<string, { status: 'running' | 'succeeded' | 'failed'; result?: unknown; error?: string; entity: string; effector: string }>;
}

/** An HTTP error with a status and a body the client can act on. */
export class ApiError extends Error {
  constructor(readonly statusCode: number, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

/** The principal of a request (set by the auth hook). */
export function principalOf(request: FastifyRequest): Principal {
  return (request as FastifyRequest & { principal: Principal }).principal;
}

/** Throws 403 unless the principal has the role. */
export function requireRole(request: FastifyRequest, role: Role): Principal {
  const principal = principalOf(request);
  if (!allows(principal.role, role)) throw new ApiError(403, `${principal.name} is a ${principal.role}; this needs ${role}`);
  return principal;
}

/** True when the entity is in the principal's subtree. */
export function inScope(context: ApiContext, principal: Principal, entity: Entity): boolean {
  if (principal.scope === undefined) return true;
  const root = context.tree.find(principal.scope);
  return root !== undefined && root.contains(entity);
}

/** The entity, or 404 when unknown and 403 when outside the principal's scope. */
export function entityFor(context: ApiContext, request: FastifyRequest, id: string): Entity {
  const entity = context.tree.find(id);
  if (!entity) throw new ApiError(404, `no entity '${id}'`);
  const principal = principalOf(request);
  if (!inScope(context, principal, entity)) throw new ApiError(403, `${principal.name} may not see '${id}' (outside ${principal.scope})`);
  return entity;
}

/** Sends an ApiError (or any error) as JSON. */
export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof ApiError) return reply.code(error.statusCode).send({ error: error.message, ...error.extra });
  throw error;
}
