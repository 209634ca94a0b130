import { describe, expect, it } from 'vitest';
import { copyRecord } from '../../src/knowledge/copy-record.js';

describe('copyRecord', () => {
  it('copies a tree of plain objects and arrays deeply: changing the original changes nothing in the copy', () => {
    const original = { id: 'd1', inputs: [{ entity: 'e1', value: 0.95, at: 3 }], symptom: { kind: 'above', detail: { nested: [1, null, 'x'] } }, missing: undefined };
    const copy = copyRecord(original);
    expect(copy).toEqual(original);
    original.inputs[0]!.value = 0;
    original.symptom.detail.nested.push(2);
    expect(copy.inputs[0]!.value).toBe(0.95);
    expect(copy.symptom.detail.nested).toEqual([1, null, 'x']);
    expect('missing' in copy).toBe(true);
  });

  it('copies what is not plain as structuredClone does (a Date, a Map, a cycle)', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic['self'] = cyclic;
    const value = { at: new Date(5), byKey: new Map([['k', 1]]), cyclic };
    const copy = copyRecord(value);
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at.getTime()).toBe(5);
    expect(copy.byKey.get('k')).toBe(1);
    expect(copy.cyclic['self']).toBe(copy.cyclic);
    expect(copy.cyclic).not.toBe(cyclic);
  });

  it('refuses what structuredClone refuses, with its error', () => {
    expect(() => copyRecord({ run: () => 1 })).toThrow(/could not be cloned/);
  });

  it('looks into objects inside arrays: copies them, and refuses a function or a symbol found there', () => {
    const original = { actions: [{ entity: 'e1', params: { replicas: 3 } }, 'plain', 7] };
    const copy = copyRecord(original);
    expect(copy).toEqual(original);
    expect(copy.actions[0]).not.toBe(original.actions[0]);
    (original.actions[0] as { params: { replicas: number } }).params.replicas = 9;
    expect(copy.actions[0]).toEqual({ entity: 'e1', params: { replicas: 3 } });
    expect(() => copyRecord({ list: [{ run: () => 1 }] })).toThrow(/could not be cloned/);
    expect(() => copyRecord({ list: [Symbol('s')] })).toThrow(/could not be cloned/);
  });

  it('keeps an own __proto__ key (JSON.parse makes one) as data, as structuredClone does: the copy keeps its prototype', () => {
    const original = JSON.parse('{"id":"i1","result":{"ok":true,"__proto__":{"admin":true}}}') as { result: Record<string, unknown> };
    const copy = copyRecord(original);
    expect(Object.getPrototypeOf(copy.result)).toBe(Object.prototype);
    expect(Object.keys(copy.result)).toEqual(['ok', '__proto__']);
    expect(copy.result['admin']).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
  });
});
