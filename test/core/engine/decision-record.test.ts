import { describe, expect, it } from 'vitest';
import { decisionRecord, type RecordExtra } from '../../../src/core/engine/decision-record.js';
import type { PolicyAttachment } from '../../../src/core/engine/attachment.js';
import type { PendingPlan } from '../../../src/core/engine/pending-plan.js';

const attachment = { id: 'web/restarter', definition: { name: 'restarter' }, entity: { id: 'web' } } as unknown as PolicyAttachment;

function pending(traceId?: string): PendingPlan {
  const base = {
    symptom: { kind: 'above', inputs: [{ entity: 'web', sensor: 'cpu', value: 0.95, at: 5 }], detail: { value: 0.95, bound: 0.9 } },
    plan: { actions: [{ entity: 'web', effector: 'restart', params: { token: 's3cret', size: 2 } }], reason: 'over threshold' },
    analyzeMs: 1,
    planMs: 2,
  };
  return traceId === undefined ? base : { ...base, traceId };
}

describe('decisionRecord', () => {
  const extras: Array<[string, RecordExtra, string | undefined, string[]]> = [
    ['an applied plan', { executeMs: 3 }, undefined, []],
    ['a plan with a detail', { executeMs: 3, detail: 'why' }, undefined, ['detail']],
    ['a failed plan', { detail: 'why', error: { code: 'E_X', message: 'boom' } }, undefined, ['detail', 'error']],
    ['an error alone', { error: { code: 'E_X', message: 'boom' } }, undefined, ['error']],
    ['a traced plan', { executeMs: 3 }, 'trace-1', ['traceId']],
    ['a traced failed plan', { detail: 'why', error: { code: 'E_X', message: 'boom' } }, 'trace-1', ['detail', 'error', 'traceId']],
  ];
  for (const [name, extra, traceId, optional] of extras) {
    it(`records ${name} with its keys in the record's order and the plan's values`, () => {
      const decision = decisionRecord(attachment, pending(traceId), 'applied', extra, 'd-1', 7);
      const order = ['id', 'at', 'entity', 'policy', 'policyName', 'symptom', 'actions', 'reason', 'inputs', 'outcome', ...optional.filter((k) => k !== 'traceId'), 'durations', ...optional.filter((k) => k === 'traceId')];
      expect(Object.keys(decision)).toEqual(order);
      expect(decision).toMatchObject({ id: 'd-1', at: 7, entity: 'web', policy: 'web/restarter', policyName: 'restarter', reason: 'over threshold', outcome: 'applied' });
      expect(decision.symptom).toEqual({ kind: 'above', detail: { value: 0.95, bound: 0.9 } });
      expect(decision.actions).toEqual([{ entity: 'web', effector: 'restart', params: { token: '[redacted]', size: 2 } }]);
      expect(decision.durations).toEqual({ analyzeMs: 1, planMs: 2, executeMs: extra.executeMs ?? 0 });
      if (extra.detail !== undefined) expect(decision.detail).toBe(extra.detail);
      if (extra.error !== undefined) expect(decision.error).toBe(extra.error);
      if (traceId !== undefined) expect(decision.traceId).toBe(traceId);
    });
  }
});
