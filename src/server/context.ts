import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../core/engine/engine.js';
import { withinActingScope } from '../core/engine/acting-scope.js';
import { tenantOf, type Entity } from '../core/entity.js';
import type { EntityTree } from '../core/entity-tree.js';
import type { Knowledge } from '../knowledge/knowledge.js';
import type { AuditLog } from './audit.js';
import { allows, type Principal, type Role } from './auth.js';
import type { EventHub } from './event-stream.js';
import type { InvocationRecords } from './invocation-records.js';
import type { SensorHistory } from './sensor-history.js';
import type { StopCoordinator } from './stop-coordinator.js';

/** An effector invocation started through the API, kept for polling. */
export interface ApiInvocation {
  status: 'running' | 'succeeded' | 'failed';
  result?: unknown;
  error?: string;
  code?: string;
  readonly entity: string;
  /** The entity's path when invoked, to place the invocation in scopes after the entity left. */
  readonly path: string;
  readonly effector: string;
}

/** What the routes share. */
export interface ApiContext {
  readonly tree: EntityTree;
  readonly engine: Engine;
  readonly knowledge: Knowledge;
  readonly audit: AuditLog;
  readonly hub: EventHub;
  readonly history: SensorHistory;
  /** How long a synchronous effector invocation may take before the API answers 202 (ms). */
  readonly invokeWaitMs: number;
  /** How long stopping waits for streams and invocations before it cuts them (ms). */
  readonly stopGraceMs: number;
  /** Effector invocations started through the API, bounded. */
  readonly invocations: InvocationRecords;
  /** Stopping: streams end, waiting requests answer at once, API invocations get the stop grace. */
  readonly stop: StopCoordinator;
  /** Most bytes a `/stream` client may fall behind by before its stream is closed (see the plugin option). */
  readonly streamBacklogBytes: number;
  /** How long a `/stream` that fell behind may take to drain before it is cut (ms). */
  readonly streamStallMs: number;
}

/** An HTTP error with a status and a body the client can act on. */
export class ApiError extends Error {
  /** True when the refusal is already in the audit log (the route recorded it with more detail). */
  audited = false;
  constructor(readonly statusCode: number, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }

  /** Marks the error as audited already, so the error handler does not record it twice. */
  markAudited(): this {
    this.audited = true;
    return this;
  }
}

/**
 * The HTTP status for a typed error code: caller errors are 4xx (a rolling operation the group's state leaves
 * no room to start is 409), a failing store is 503, an effector that failed in the managed system is 502 (the system behind homeostat failed, not homeostat); an instance that
 * may not act (E_NOT_LEADER: a standby, or one that gave its lease up as it stops) is 503, nothing ran.
 */
export function statusForCode(code: string | undefined): number {
  switch (code) {
    case 'E_VALIDATION':
      return 400;
    case 'E_UNKNOWN_ENTITY':
    case 'E_UNKNOWN_SENSOR':
    case 'E_UNKNOWN_EFFECTOR':
    case 'E_UNKNOWN_POLICY':
      return 404;
    case 'E_CONFLICT':
    case 'E_BUSY':
    case 'E_ROLLING_BLOCKED':
      return 409;
    case 'E_OUT_OF_SCOPE':
      return 403;
    case 'E_UNKNOWN_TARGET':
      return 422;
    case 'E_QUOTA_EXCEEDED':
      return 429;
    case 'E_KNOWLEDGE_UNAVAILABLE':
    case 'E_EFFECTOR_ABORTED':
    case 'E_STOPPING':
    case 'E_NOT_LEADER':
      return 503;
    case 'E_EFFECTOR_TIMEOUT':
      return 504;
    default:
      return 502;
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

/** True when the entity is in one of the principal's subtrees (and its tenant's, for a tenant's caller). */
export function inScope(context: ApiContext, principal: Principal, entity: Entity): boolean {
  // a principal (tenant, scopes) is an acting scope: one rule for what a caller sees and where its policies act
  return withinActingScope(context.tree, principal, entity);
}

/** The paths of the scope roots that are in the tree (a scope naming no entity places nothing). */
export function scopeRoots(context: ApiContext, scopes: readonly string[]): string[] {
  return scopes.flatMap((id) => {
    const root = context.tree.find(id)?.path;
    return root === undefined ? [] : [root];
  });
}

/**
 * True when a recorded entity path (`/app/web/web-1`) lies in one of the principal's subtrees. A record that
 * names no entity cannot be placed, so only an unscoped principal sees it.
 */
export function pathInScope(context: ApiContext, principal: Principal, path: string | null | undefined): boolean {
  if (principal.scopes === undefined) return true;
  if (!path) return false;
  return principal.scopes.some((id) => {
    const root = context.tree.find(id)?.path;
    return root !== undefined && (path === root || path.startsWith(`${root}/`));
  });
}

/** The entity, or 404 when unknown and 403 when outside the principal's scope. */
export function entityFor(context: ApiContext, request: FastifyRequest, id: string): Entity {
  const entity = context.tree.find(id);
  const principal = principalOf(request);
  // another tenant's entity is answered as unknown: its existence does not cross either
  if (!entity || (principal.tenant !== undefined && tenantOf(entity) !== principal.tenant)) throw new ApiError(404, `no entity '${id}'`);
  if (!inScope(context, principal, entity)) throw new ApiError(403, `${principal.name} may not see '${id}' (outside ${principal.scopes?.join(', ')})`);
  return entity;
}

/** Sends an ApiError (or any error) as JSON. */
export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof ApiError) return reply.code(error.statusCode).send({ error: error.message, ...error.extra });
  throw error;
}
