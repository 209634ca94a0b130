import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyWriteOp } from '../../src/knowledge/copy-known-record.js';
import { copyRecord } from '../../src/knowledge/copy-record.js';
import type { WriteOp } from '../../src/knowledge/store.js';

/** A structural picture of a value: key order, own keys with undefined values, array holes, prototypes, cycles. */
function picture(value: unknown, path: string[] = [], seen = new Map<object, string>()): unknown {
  if (typeof value === 'bigint') return `bigint:${value}`;
  if (typeof value === 'symbol' || typeof value === 'function') return `[${typeof value}]`;
  if (value === undefined) return '[undefined]';
  if (value === null || typeof value !== 'object') return value;
  const known = seen.get(value);
  if (known !== undefined) return `[cycle to ${known}]`;
  seen.set(value, path.join('.'));
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  const kind = proto === null ? 'null-proto' : (proto.constructor?.name ?? 'anonymous');
  if (value instanceof Date) return { kind, time: value.getTime() };
  if (value instanceof Map) return { kind, entries: [...value].map(([k, v], i) => [picture(k, [...path, `k${i}`], seen), picture(v, [...path, `v${i}`], seen)]) };
  if (value instanceof Set) return { kind, items: [...value].map((v, i) => picture(v, [...path, `s${i}`], seen)) };
  const keys = Object.keys(value);
  return { kind, keys, values: keys.map((k) => picture((value as Record<string, unknown>)[k], [...path, k], seen)) };
}

/** What a copy gives: its picture, or the error it throws (class and message). */
function outcome(copy: () => unknown): unknown {
  try {
    return { copy: picture(copy()) };
  } catch (error) {
    return { threw: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

function objectsIn(value: unknown, into = new Set<object>()): Set<object> {
  if (value === null || typeof value !== 'object' || into.has(value)) return into;
  into.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      objectsIn(k, into);
      objectsIn(v, into);
    }
  } else for (const key of Object.keys(value)) objectsIn((value as Record<string, unknown>)[key], into);
  return into;
}

class Custom {
  constructor(readonly n: number) {}
}

function deep(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

/** Values a policy or a caller may put anywhere a record holds an unknown value, plain or not. */
const odd: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom(undefined, null, 0, -0, Number.NaN, '', 'x') },
  fc.integer().map((n) => new Date(n)),
  fc.integer().map((n) => new Map([['k', n]])),
  fc.integer().map((n) => new Set([n])),
  fc.integer().map((n) => Object.assign(Object.create(null) as object, { n })),
  fc.integer().map((n) => new Custom(n)),
  fc.constant(() => 1),
  fc.constant(Symbol('s')),
  fc.bigInt().map((n) => n),
  fc.constant(null).map(() => [1, , 3]),
  fc.integer({ min: 58, max: 66 }).map(deep),
  fc.constant(null).map(() => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic['self'] = cyclic;
    return cyclic;
  }),
);

/** A field: usually of its usual type, sometimes anything. */
const field = (usual: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 30, arbitrary: usual }, { weight: 1, arbitrary: odd });

type Entry = [string, unknown];

/** Undefined nine times in ten. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

/** An object from fields: optional ones present or not, sometimes an extra key, sometimes another key order. */
function record(required: Record<string, fc.Arbitrary<unknown>>, optional: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const req = fc.tuple(...Object.entries(required).map(([k, a]) => a.map((v): Entry => [k, v])));
  const opt = fc.tuple(...Object.entries(optional).map(([k, a]) => fc.option(a.map((v): Entry => [k, v]), { nil: undefined })));
  return fc
    .record({ req, opt, extra: rarely(fc.tuple(fc.constantFrom('extra', 'zzz', '0', 'id'), odd)), shuffle: fc.nat(9).map((n) => n === 0), drop: rarely(fc.nat(20)) })
    .chain(({ req, opt, extra, shuffle, drop }) => {
      let entries: Entry[] = [...req, ...opt.filter((e): e is Entry => e !== undefined)];
      if (drop !== undefined) entries = entries.filter((_, i) => i !== drop % Math.max(1, entries.length));
      if (extra) entries.push(extra as Entry);
      const make = (list: Entry[]) => Object.fromEntries(list) as unknown;
      return shuffle ? fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }).map(make) : fc.constant(make(entries));
    });
}

const text = fc.string({ maxLength: 8 });
const time = fc.double({ noNaN: false });
const action = record({ entity: field(text), effector: field(text) }, { params: odd });
const input = record({ entity: field(text), sensor: field(text), value: odd, at: field(time) }, { stale: field(fc.boolean()) });
const list = (item: fc.Arbitrary<unknown>) => field(fc.array(item, { maxLength: 3 }));
const error = record({ code: field(text), message: field(text) }, { detail: odd });
const decision = record(
  {
    id: field(text),
    at: field(time),
    entity: field(text),
    policy: field(text),
    policyName: field(text),
    symptom: field(record({ kind: field(text) }, { detail: odd })),
    actions: list(action),
    reason: field(text),
    inputs: list(input),
    outcome: field(fc.constantFrom('applied', 'failed', 'no_action')),
  },
  { detail: field(text), error: field(error), durations: field(record({ analyzeMs: field(time), planMs: field(time), executeMs: field(time) }, {})), traceId: field(text), count: field(fc.nat()), lastAt: field(time) },
);
const invocation = record(
  { id: field(text), at: field(time), entity: field(text), effector: field(text), caller: field(record({ kind: field(fc.constantFrom('policy', 'person')), name: field(text) }, {})), params: odd, outcome: field(text), attempts: field(fc.nat()), durationMs: field(time) },
  { result: odd, error: field(error), fencingToken: field(fc.nat()) },
);
const op: fc.Arbitrary<unknown> = fc.oneof(
  record({ kind: fc.constant('decision'), value: decision }, {}),
  record({ kind: fc.constant('invocation'), value: invocation }, {}),
  record({ kind: fc.constant('state'), policy: field(text), key: field(text), value: odd }, {}),
  record({ kind: fc.constantFrom('fault', 'snapshot', 'audit'), value: odd }, {}),
  odd,
);

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

