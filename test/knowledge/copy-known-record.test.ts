import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyWriteOp } from '../../src/knowledge/copy-known-record.js';
import { copyRecord } from '../../src/knowledge/copy-record.js';
import type { WriteOp } from '../../src/knowledge/store.js';
import { deep, objectsIn, op, outcome, picture } from './record-arbitraries.js';

describe('copyWriteOp', () => {
  it('gives what copyRecord gives for any write, records of the loop or not: the same copy in the same key order, or the same error', () => {
    fc.assert(
      fc.property(op, (write) => {
        expect(outcome(() => copyWriteOp(write as WriteOp))).toStrictEqual(outcome(() => copyRecord(write)));
      }),
      { numRuns: 3_000 },
    );
  });

  it('keeps nothing of the caller: no object shared, and changing every object of the original afterwards changes nothing', () => {
    fc.assert(
      fc.property(op, (write) => {
        let copy: unknown;
        try {
          copy = copyWriteOp(write as WriteOp);
        } catch {
          return; // refused: nothing was kept
        }
        const before = picture(copy);
        const originals = objectsIn(write);
        for (const object of objectsIn(copy)) expect(originals.has(object)).toBe(false);
        for (const object of originals) {
          if (object instanceof Map) object.clear();
          else if (!Object.isFrozen(object)) for (const key of Object.keys(object)) (object as Record<string, unknown>)[key] = 'changed';
        }
        expect(picture(copy)).toStrictEqual(before);
      }),
      { numRuns: 1_000 },
    );
  });

  it('copies the records the engine writes by their shape, keys in order and values unshared', () => {
    const detail = { value: 0.95, bound: 0.9 };
    const write: WriteOp = {
      kind: 'decision',
      value: {
        id: 'd-1',
        at: 1,
        entity: 'e1',
        policy: 'e1/cpu',
        policyName: 'threshold',
        symptom: { kind: 'above', detail },
        actions: [{ entity: 'e1', effector: 'restart', params: { force: true } }],
        reason: 'over threshold',
        inputs: [{ entity: 'e1', sensor: 'cpu', value: 0.95, at: 1 }],
        outcome: 'applied',
        durations: { analyzeMs: 0, planMs: 0.1, executeMs: 0.2 },
      },
    };
    const copy = copyWriteOp(write);
    expect(picture(copy)).toStrictEqual(picture(write));
    detail.value = 0;
    expect(copy.kind === 'decision' && copy.value.symptom.detail).toEqual({ value: 0.95, bound: 0.9 });
  });

  it('refuses a function inside a record as structuredClone does, wherever it is', () => {
    const invocation = { id: 'i', at: 0, entity: 'e', effector: 'x', caller: { kind: 'policy', name: 'p' }, params: {}, outcome: 'succeeded', attempts: 1, durationMs: 0, result: { run: () => 1 } };
    expect(() => copyWriteOp({ kind: 'invocation', value: invocation } as WriteOp)).toThrow(/could not be cloned/);
  });

  it('hands a value nested past the general copy bound to structuredClone at the same depth, wherever the record holds it', () => {
    for (let levels = 58; levels <= 64; levels++) {
      const value = deep(levels);
      const writes: unknown[] = [
        { kind: 'decision', value: { id: 'd', at: 0, entity: 'e', policy: 'p', policyName: 'n', symptom: { kind: 'k', detail: value }, actions: [], reason: 'r', inputs: [], outcome: 'applied' } },
        { kind: 'decision', value: { id: 'd', at: 0, entity: 'e', policy: 'p', policyName: 'n', symptom: { kind: 'k' }, actions: [{ entity: 'e', effector: 'x', params: value }], reason: 'r', inputs: [{ entity: 'e', sensor: 's', value, at: 0 }], outcome: 'applied' } },
        { kind: 'invocation', value: { id: 'i', at: 0, entity: 'e', effector: 'x', caller: { kind: 'policy', name: 'p' }, params: value, outcome: 'succeeded', attempts: 1, durationMs: 0, result: value } },
        { kind: 'state', policy: 'p', key: 'k', value },
      ];
      for (const write of writes) expect(outcome(() => copyWriteOp(write as WriteOp))).toStrictEqual(outcome(() => copyRecord(write)));
    }
  });

  it('leaves a key inherited from a polluted prototype out, as the general copy does', () => {
    Object.defineProperty(Object.prototype, 'params', { value: { inherited: true }, enumerable: true, configurable: true, writable: true });
    try {
      const write = { kind: 'decision', value: { id: 'd', at: 0, entity: 'e', policy: 'p', policyName: 'n', symptom: { kind: 'k' }, actions: [{ entity: 'e', effector: 'x' }], reason: 'r', inputs: [], outcome: 'applied' } };
      expect(outcome(() => copyWriteOp(write as unknown as WriteOp))).toStrictEqual(outcome(() => copyRecord(write)));
    } finally {
      delete (Object.prototype as Record<string, unknown>)['params'];
    }
  });

  it('keeps an own __proto__ key in a value of a record (a result or state parsed from JSON) as data, not as a prototype', () => {
    const parsed = (): unknown => JSON.parse('{"ok":true,"__proto__":{"admin":true}}');
    const writes: unknown[] = [
      { kind: 'invocation', value: { id: 'i', at: 0, entity: 'e', effector: 'x', caller: { kind: 'policy', name: 'p' }, params: {}, outcome: 'succeeded', attempts: 1, durationMs: 0, result: parsed() } },
      { kind: 'decision', value: { id: 'd', at: 0, entity: 'e', policy: 'p', policyName: 'n', symptom: { kind: 'k', detail: parsed() }, actions: [], reason: 'r', inputs: [], outcome: 'applied' } },
      { kind: 'state', policy: 'p', key: 'k', value: parsed() },
    ];
    for (const write of writes) {
      const copy = copyWriteOp(write as WriteOp);
      expect(JSON.stringify(copy)).toBe(JSON.stringify(write));
      expect(picture(copy)).toStrictEqual(picture(structuredClone(write)));
    }
  });
});

