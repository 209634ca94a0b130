// The bounded copy of each record keeps the source's keys in their order (JSON answers and stores see the same
// shape), bounds every free-text and chosen value, and shares nothing it bounded with the source.
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/core/redact.js';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { boundDecision, boundFault, boundInvocation, boundSnapshot } from '../../src/knowledge/bounded-record.js';
import type { Decision, PolicyFault } from '../../src/knowledge/decision.js';
import type { SensorSnapshot } from '../../src/knowledge/store.js';

const LONG = 'x'.repeat(5_000);
const CUT = `${'x'.repeat(4_096)}…[truncated: 904 more characters]`;

function decision(): Decision {
  return {
    id: 'd-1', at: 5, entity: 'web', policy: 'web/p', policyName: 'p',
    symptom: { kind: LONG, detail: { password: 'hunter2', load: 3 } },
    actions: [{ entity: 'web', effector: 'resize', params: { size: 3, token: 't' }, compensate: { entity: 'web', effector: 'resize', params: { apiKey: 'k' } } }],
    reason: LONG,
    inputs: [{ entity: 'web', sensor: 'load', value: { secret: 's', v: 1 }, at: 4 }],
    outcome: 'failed', detail: LONG, error: { code: 'E_X', message: LONG },
    durations: { analyzeMs: 1, planMs: 2, executeMs: 3 }, traceId: 't-1', count: 2, lastAt: 6,
  } as Decision;
}

describe('bounded records', () => {
  it('bounds every chosen value and free text of a decision, keeping its keys in order', () => {
    const source = decision();
    const bounded = boundDecision(source);
    expect(Object.keys(bounded)).toEqual(Object.keys(source));
    expect(bounded).toMatchObject({ reason: CUT, detail: CUT, error: { code: 'E_X', message: CUT }, symptom: { kind: CUT, detail: { password: REDACTED, load: 3 } } });
    expect(bounded.actions[0]).toEqual({ entity: 'web', effector: 'resize', params: { size: 3, token: REDACTED }, compensate: { entity: 'web', effector: 'resize', params: { apiKey: REDACTED } } });
    expect(Object.keys(bounded.inputs[0] as object)).toEqual(['entity', 'sensor', 'value', 'at']);
    expect(bounded.inputs[0]?.value).toEqual({ secret: REDACTED, v: 1 });
  });

  it('shares no bounded part with the source: changing one changes nothing in the other', () => {
    const source = decision();
    const bounded = boundDecision(source) as { -readonly [K in keyof Decision]: Decision[K] };
    (bounded.inputs[0] as { value: unknown }).value = 'changed';
    (bounded.actions[0] as { params: unknown }).params = 'changed';
    (bounded.symptom as { kind: string }).kind = 'changed';
    expect(source.inputs[0]?.value).toEqual({ secret: 's', v: 1 });
    expect(source.actions[0]?.params).toEqual({ size: 3, token: 't' });
    expect(source.symptom.kind).toBe(LONG);
    expect(bounded.inputs).not.toBe(source.inputs);
    expect(bounded.actions).not.toBe(source.actions);
  });

  it('bounds an invocation record, a fault and a snapshot, keeping their keys in order', () => {
    const invocation = { id: 'i', at: 0, entity: 'web', effector: 'x', caller: { kind: 'policy', name: 'p' }, params: { password: 'p' }, fencingToken: 3, outcome: 'failed', attempts: 1, durationMs: 2, result: { token: 1 }, error: { code: 'E', message: LONG } } as InvocationRecord;
    const boundedInvocation = boundInvocation(invocation);
    expect(Object.keys(boundedInvocation)).toEqual(Object.keys(invocation));
    expect(boundedInvocation).toMatchObject({ params: { password: REDACTED }, result: { token: REDACTED }, error: { code: 'E', message: CUT } });
    const fault: PolicyFault = { at: 1, policy: 'p', entity: 'e', phase: 'plan', message: LONG, restartInMs: 3 };
    expect(Object.keys(boundFault(fault))).toEqual(Object.keys(fault));
    expect(boundFault(fault).message).toBe(CUT);
    const snapshot: SensorSnapshot = { entity: 'e', sensor: 's', value: { password: 'p' }, at: 1 };
    expect(Object.keys(boundSnapshot(snapshot))).toEqual(Object.keys(snapshot));
    expect(boundSnapshot(snapshot).value).toEqual({ password: REDACTED });
  });

  it("bounds an invocation whose error code or message cannot be made text (no usable toString) to the value's tag, without throwing", () => {
    const record = { id: 'i', at: 0, entity: 'e', effector: 'x', caller: { kind: 'policy', name: 'p' }, params: {}, outcome: 'failed', attempts: 1, durationMs: 0, error: { code: { toString: null }, message: Object.create(null) } } as unknown as InvocationRecord;
    expect(boundInvocation(record).error).toEqual({ code: '[object Object]', message: '[object Object]' });
  });

  it('keeps the first 200 actions and inputs, a hole staying a hole, as slice and map would', () => {
    const actions: Decision['actions'][number][] = Array.from({ length: 250 }, (_, i) => ({ entity: `e${i}`, effector: 'restart' }));
    delete actions[3];
    const inputs = Array.from({ length: 201 }, (_, i) => ({ entity: 'web', sensor: 'load', value: i, at: i }));
    const bounded = boundDecision({ ...decision(), actions, inputs });
    expect(bounded.actions).toHaveLength(200);
    expect(3 in bounded.actions).toBe(false);
    expect(bounded.actions[199]).toEqual({ entity: 'e199', effector: 'restart' });
    expect(bounded.actions[199]).not.toBe(actions[199]);
    expect(bounded.inputs.map((o) => o.value)).toEqual(inputs.slice(0, 200).map((o) => o.value));
  });
});
