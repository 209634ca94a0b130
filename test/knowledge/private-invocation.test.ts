import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { boundInvocation } from '../../src/knowledge/bounded-record.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { adoptBoundInvocation } from '../../src/knowledge/private-invocation.js';
import { isPrivate, privateInvocationWrite } from '../../src/knowledge/private-records.js';
import type { WriteOp } from '../../src/knowledge/store.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { WatchedStore, oddValue as odd, readBack } from './private-write-check.js';

/** An invocation record as the invoker writes it for a policy's plan (the executor's caller is frozen). */
function engineRecord(): InvocationRecord {
  return { id: 'inv-1-1', at: 1, entity: 'e1', effector: 'restart', caller: Object.freeze({ kind: 'policy', name: 'e1/cpu' }), params: { size: 3 }, outcome: 'succeeded', attempts: 1, durationMs: 0, result: { ok: true } };
}

describe('invocation records kept by the memory store without a copy', () => {
  it('are the ones the knowledge front bounded itself from a record of the invoker shape', async () => {
    const store = new WatchedStore();
    const knowledge = new Knowledge(store, new VirtualClock());
    knowledge.recordInvocation(engineRecord());
    knowledge.recordInvocation({ ...engineRecord(), id: 'inv-1-2', error: { code: 'E_X', message: 'boom', detail: { exit: 1 } }, outcome: 'failed' });
    knowledge.recordInvocation({ ...engineRecord(), id: 'inv-1-3', fencingToken: 7 });
    // another shape, or an object where a scalar belongs: copied by the store as before
    knowledge.recordInvocation({ ...engineRecord(), id: 'inv-1-4', extra: { x: 1 } } as InvocationRecord);
    knowledge.recordInvocation({ ...engineRecord(), entity: { id: 'e1' } } as unknown as InvocationRecord);
    knowledge.recordInvocation({ ...engineRecord(), id: 'inv-1-6', caller: { kind: 'person', name: 'ann', team: { x: 1 } } } as unknown as InvocationRecord);
    await knowledge.flush();
    expect(store.given.map((op) => isPrivate(op))).toEqual([true, true, true, false, false, false]);
  });

  it('share nothing with the record, its caller or its values: changing them later changes nothing stored', async () => {
    const knowledge = new Knowledge(new MemoryStore(), new VirtualClock());
    const caller = { kind: 'person' as const, name: 'ann' };
    const params = { size: 3, nested: { list: [1, 2] } };
    const result = { ok: true };
    const record = { ...engineRecord(), caller, params, result };
    knowledge.recordInvocation(record);
    await knowledge.flush();
    const before = await knowledge.queryInvocations();
    caller.name = 'mallory';
    params.nested.list.push(3);
    result.ok = false;
    (record as { id: string }).id = 'changed';
    expect(await knowledge.queryInvocations()).toEqual(before);
    expect(before[0]?.caller).toEqual({ kind: 'person', name: 'ann' });
    // and a reader's copy is its own
    (before[0]?.caller as { name: string }).name = 'reader';
    expect((await knowledge.queryInvocations())[0]?.caller.name).toBe('ann');
  });

  const field = (usual: fc.Arbitrary<unknown>) => fc.oneof({ weight: 12, arbitrary: usual }, { weight: 1, arbitrary: odd });
  const text = fc.string({ maxLength: 6 });
  const record = fc
    .record(
      {
        id: field(text),
        at: field(fc.double()),
        entity: field(text),
        effector: field(text),
        caller: field(fc.record({ kind: fc.constantFrom('policy', 'person'), name: field(text) }).map((c) => (c.name === '' ? Object.freeze(c) : c))),
        params: odd,
        outcome: field(text),
        attempts: field(fc.nat()),
        durationMs: field(fc.double()),
        result: odd,
        error: field(fc.record({ code: field(text), message: field(text), detail: odd }, { requiredKeys: ['code', 'message'] })),
        fencingToken: field(fc.nat()),
      },
      { requiredKeys: ['id', 'at', 'entity', 'effector', 'caller', 'params', 'outcome', 'attempts', 'durationMs'] },
    )
    .chain((r) => fc.oneof({ weight: 9, arbitrary: fc.constant(r) }, { weight: 1, arbitrary: odd.map((extra) => ({ ...r, extra })) }))
    .map((r) => r as unknown as InvocationRecord);

  it('read back as the store read back its own copy of the bounded record', async () => {
    await fc.assert(
      fc.asyncProperty(record, async (r) => {
        // before: the bounded record, copied by the store on write
        const expected = await readBack((store) => store.write([{ kind: 'invocation', value: boundInvocation(r) }]), (store) => store.queryInvocations({}));
        // now: as the knowledge front hands it over
        const actual = await readBack((store) => {
          const bounded = boundInvocation(r);
          const op: WriteOp = { kind: 'invocation', value: bounded };
          return store.write([adoptBoundInvocation(bounded) ? privateInvocationWrite(bounded) : op]);
        }, (store) => store.queryInvocations({}));
        expect(actual).toStrictEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});
