// Records as a policy or a caller may hand them to the knowledge side (of the engine's shape or not, with odd
// values anywhere), and the structural picture tests compare them by.
import fc from 'fast-check';

/** A structural picture of a value: key order, own keys with undefined values, array holes, prototypes, cycles. */
export function picture(value: unknown, path: string[] = [], seen = new Map<object, string>()): unknown {
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
export function outcome(copy: () => unknown): unknown {
  try {
    return { copy: picture(copy()) };
  } catch (error) {
    return { threw: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

export function objectsIn(value: unknown, into = new Set<object>()): Set<object> {
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

export function deep(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

/** Values a policy or a caller may put anywhere a record holds an unknown value, plain or not. */
export const odd: fc.Arbitrary<unknown> = fc.oneof(
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
export const decision = record(
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
export const invocation = record(
  { id: field(text), at: field(time), entity: field(text), effector: field(text), caller: field(record({ kind: field(fc.constantFrom('policy', 'person')), name: field(text) }, {})), params: odd, outcome: field(text), attempts: field(fc.nat()), durationMs: field(time) },
  { result: odd, error: field(error), fencingToken: field(fc.nat()) },
);
export const op: fc.Arbitrary<unknown> = fc.oneof(
  record({ kind: fc.constant('decision'), value: decision }, {}),
  record({ kind: fc.constant('invocation'), value: invocation }, {}),
  record({ kind: fc.constant('state'), policy: field(text), key: field(text), value: odd }, {}),
  record({ kind: fc.constantFrom('fault', 'snapshot', 'audit'), value: odd }, {}),
  odd,
);


/** A value a policy chose (a symptom's detail, params, a reading): JSON, sometimes with secret-looking keys or long text. */
const chosen: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(undefined, 0.95, 3, true, null, 'x') },
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.record({ password: fc.string(), load: fc.double() }, { requiredKeys: ['load'] }),
  fc.record({ nested: fc.record({ token: fc.string(), n: fc.nat() }), list: fc.array(fc.record({ apiKey: fc.string() }), { maxLength: 2 }) }),
  fc.nat({ max: 3 }).map((n) => 'y'.repeat(4_090 + n * 4)),
  fc.nat({ max: 3 }).map((n) => ({ long: 'z'.repeat(4_094 + n * 3) })),
);

/** Free text, sometimes past the 4 096 characters a record keeps. */
const freeText = fc.oneof({ weight: 5, arbitrary: fc.string({ maxLength: 12, size: 'max' }) }, fc.nat({ max: 4 }).map((n) => 'w'.repeat(4_094 + n)));

const engineAction = fc.record({ entity: text, effector: text, params: chosen }, { requiredKeys: ['entity', 'effector'], noNullPrototype: true });
const engineInput = fc.record({ entity: text, sensor: text, value: chosen, at: fc.double(), stale: fc.boolean() }, { requiredKeys: ['entity', 'sensor', 'value', 'at'], noNullPrototype: true });

/** A decision as the engine builds it (its keys in their order, optional ones present or not), with chosen values of any JSON. */
export const engineDecision: fc.Arbitrary<unknown> = fc.record(
  {
    id: text,
    at: fc.double(),
    entity: text,
    policy: text,
    policyName: text,
    symptom: fc.record({ kind: freeText, detail: chosen }, { requiredKeys: ['kind'], noNullPrototype: true }),
    actions: fc.array(engineAction, { maxLength: 3 }),
    reason: freeText,
    inputs: fc.array(engineInput, { maxLength: 3 }),
    outcome: fc.constantFrom('applied', 'failed', 'no_action', 'skipped_cooldown'),
    detail: fc.option(freeText, { nil: undefined }),
    error: fc.oneof(fc.record({ code: text, message: freeText }, { noNullPrototype: true }), fc.constant(undefined)),
    durations: fc.record({ analyzeMs: fc.double(), planMs: fc.double(), executeMs: fc.double() }, { noNullPrototype: true }),
    traceId: text,
    count: fc.integer({ min: 2, max: 9 }),
    lastAt: fc.double(),
  },
  { requiredKeys: ['id', 'at', 'entity', 'policy', 'policyName', 'symptom', 'actions', 'reason', 'inputs', 'outcome'], noNullPrototype: true },
);

/** An invocation record as the invoker builds it. */
export const engineInvocation: fc.Arbitrary<unknown> = fc.record(
  {
    id: text,
    at: fc.double(),
    entity: text,
    effector: text,
    caller: fc.record({ kind: fc.constantFrom('policy', 'person'), name: text }, { noNullPrototype: true }),
    params: chosen,
    outcome: fc.constantFrom('succeeded', 'failed', 'rejected'),
    attempts: fc.nat(),
    durationMs: fc.double(),
    result: chosen,
    error: fc.record({ code: text, message: freeText, detail: chosen }, { requiredKeys: ['code', 'message'], noNullPrototype: true }),
    fencingToken: fc.nat(),
  },
  { requiredKeys: ['id', 'at', 'entity', 'effector', 'caller', 'params', 'outcome', 'attempts', 'durationMs'], noNullPrototype: true },
);
