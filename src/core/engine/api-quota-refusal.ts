import type { InvokeOptions } from '../../effectors/invoker.js';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { Entity } from '../entity.js';
import { redact } from '../redact.js';
import type { QuotaVerdict } from './quota-check.js';
import { QuotaExceededError } from './quota-exceeded-error.js';

/** What an invocation by someone other than a policy (a person, through the API) asked for. */
export interface ApiInvocation {
  readonly entity: Entity;
  readonly effector: string;
  readonly params: unknown;
  readonly options: InvokeOptions;
}

/**
 * Records the `quota_exceeded` Decision (policy `api:<caller>`) of an invocation refused by a quota, with the
 * numbers and the params redacted, and returns the error to throw.
 */
export function refuseOverQuota(knowledge: Knowledge, id: string, at: number, invocation: ApiInvocation, verdict: QuotaVerdict): QuotaExceededError {
  const { entity, effector, params, options } = invocation;
  knowledge.recordDecision({
    id,
    at,
    entity: entity.id,
    policy: `api:${options.caller.name}`,
    policyName: 'api',
    symptom: { kind: 'api-invocation', detail: { caller: options.caller, quota: verdict.numbers } },
    actions: [{ entity: entity.id, effector, params: redact(params) }],
    reason: `${options.caller.kind} ${options.caller.name} invoked ${effector} on ${entity.id}: refused, ${verdict.detail}`,
    inputs: [],
    outcome: 'quota_exceeded',
    detail: verdict.detail,
    durations: { analyzeMs: 0, planMs: 0, executeMs: 0 },
  });
  return new QuotaExceededError(verdict.detail, verdict.numbers, id);
}
