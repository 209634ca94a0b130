import type { Entity } from '../core/entity.js';
import type { QuotaExceededError } from '../core/engine/quota-exceeded-error.js';
import type { Caller } from '../effectors/invocation.js';
import { ApiError, type ApiContext } from './context.js';

/** HTTP status of an invocation refused by a quota: too many operations (or members) for now. */
export const QUOTA_EXCEEDED_STATUS = 429;

/**
 * The API's answer to an invocation a quota refused: 429 with the outcome `quota_exceeded`, the numbers
 * (quota, what it counts, used, requested, limit) and the id of the Decision recorded for it; the refusal is
 * in the audit log with the same numbers.
 */
export function refusedOverQuota(context: ApiContext, error: QuotaExceededError, call: { who: Caller; entity: Entity; effector: string; params: unknown }): ApiError {
  context.audit.record({
    who: call.who,
    action: `invoke ${call.effector}`,
    target: call.entity.id,
    entity: call.entity.id,
    path: call.entity.path,
    ...(call.params === undefined ? {} : { params: call.params }),
    result: 'rejected',
    status: QUOTA_EXCEEDED_STATUS,
    detail: `quota_exceeded: ${error.message} (decision ${error.decision})`,
  });
  return new ApiError(QUOTA_EXCEEDED_STATUS, error.message, { code: error.code, outcome: 'quota_exceeded', quota: error.numbers, decision: error.decision }).markAudited();
}
