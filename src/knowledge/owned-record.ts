import { redact } from '../core/redact.js';
import type { InvocationRecord } from '../effectors/invocation.js';
import { MAX_ITEMS, text } from './bounded-record.js';
import { MAX_PLAIN_DEPTH } from './copy-record.js';
import type { Decision } from './decision.js';
import type { WriteOp } from './store.js';
import { ACTION, CALLER, DECISION, DURATIONS, INPUT, INVOCATION, layoutOf } from './record-shape.js';

/*
 * Knowledge's own records for the store: a decision or an invocation record bounded and redacted (as
 * `bounded-record` does) and copied in the same pass, so that nothing in it is shared with the caller. Knowledge
 * hands such a record to the store and to nobody else (a decision is emitted on `decisions$` as a copy of it,
 * `copyOwnedDecision`), so the memory store keeps it as it is, without the copy it makes of any other record.
 *
 * The record is exactly the store's copy of the bounded record (`copyWriteOp(boundDecision(d))`): same keys in
 * the same order, same values. It is built only for records of the shape the engine writes (see
 * `record-shape`) whose every value the general copy would take by hand (plain objects, arrays, primitives);
 * for anything else (another key order, extra keys, an inherited key, a hole, a Date, a function, an object
 * where the engine writes text, a value nested past the plain bound) the builders give up and the caller
 * takes the general path (`boundDecision`, then the store's copy), which stays the reference for what odd
 * records become. Symbol-keyed properties are left out, as the store's copy leaves them out (the bounded
 * record's spreads used to carry them onto the decision emitted on `decisions$`; no store ever kept them).
 */

/** Thrown inside a builder when the record is not one it can build exactly as the general path would. */
const GIVE_UP = Symbol('not owned');

/**
 * A write of a record built here. Only this module makes one (the class is not exported, and a private field
 * cannot be added or faked from outside), so a store that finds the mark knows the record is held by no one
 * but itself. Its own keys are those of any write (`kind`, `value`); the mark is invisible to reflection,
 * spreads and copies. (A mark on the record itself would be a property its copies on `decisions$` could not
 * take by the fast clone, and a WeakSet of every record costs a hash entry each and work at every collection.)
 */
class OwnedWrite {
  readonly #owned = true;
  constructor(
    readonly kind: 'decision' | 'invocation',
    readonly value: Decision | InvocationRecord,
  ) {}

  static has(op: object): boolean {
    return #owned in op;
  }
}

/**
 * @internal whether `op` is a write Knowledge made of a record built here, which no one but the store holds:
 * the store may keep the record without a copy.
 */
export function isOwnedWrite(op: WriteOp): boolean {
  return OwnedWrite.has(op);
}

/** @internal the write of a decision `ownDecision` built (the caller hands it to its store and to no one else). */
export function ownedDecisionWrite(value: Decision): WriteOp {
  return new OwnedWrite('decision', value) as WriteOp;
}

/** @internal the write of an invocation record `ownInvocation` built (see `ownedDecisionWrite`). */
export function ownedInvocationWrite(value: InvocationRecord): WriteOp {
  return new OwnedWrite('invocation', value) as WriteOp;
}

/**
 * @internal the decision bounded as `boundDecision` bounds it and copied, for the store; undefined when it is
 * not of the engine's shape (the caller then takes `boundDecision`, which also throws what it throws).
 */
export function ownDecision(d: Decision): Decision | undefined {
  return own(decision, d) as Decision | undefined;
}

/** @internal the invocation record bounded as `boundInvocation` bounds it and copied, for the store (see `ownDecision`). */
export function ownInvocation(r: InvocationRecord): InvocationRecord | undefined {
  return own(invocation, r) as InvocationRecord | undefined;
}

function own(build: (source: unknown) => object, source: unknown): object | undefined {
  try {
    return build(source);
  } catch {
    // GIVE_UP, or a getter that threw: the general path does what it does now with this record
    return undefined;
  }
}

type Source = Record<string, unknown>;

/** The depths below are those the store's copy counts: the write operation at 0, the record at 1. */
const FIELD = 2;

function decision(d: unknown): object {
  if (typeof d !== 'object' || d === null) throw GIVE_UP;
  const has = layoutOf(d, DECISION);
  if (has < 0) throw GIVE_UP;
  const s = d as Source;
  const out: Source = {
    id: prim(s['id']),
    at: prim(s['at']),
    entity: prim(s['entity']),
    policy: prim(s['policy']),
    policyName: prim(s['policyName']),
    symptom: symptom(s['symptom']),
    actions: list(s['actions'], action),
    reason: freeText(s['reason']),
    inputs: list(s['inputs'], input),
    outcome: prim(s['outcome']),
  };
  // `boundDecision` sets detail and error when they are defined, own or inherited: an inherited one would
  // be added as a key of its own, which the general path shows
  const detail = s['detail'];
  if (has & (1 << 10)) out['detail'] = detail === undefined ? undefined : freeText(detail);
  else if (detail !== undefined) throw GIVE_UP;
  const error = s['error'];
  if (has & (1 << 11)) out['error'] = error ? errorOf(error) : error;
  else if (error) throw GIVE_UP;
  if (has & (1 << 12)) out['durations'] = durations(s['durations']);
  if (has & (1 << 13)) out['traceId'] = prim(s['traceId']);
  if (has & (1 << 14)) out['count'] = prim(s['count']);
  if (has & (1 << 15)) out['lastAt'] = prim(s['lastAt']);
  return out;
}

function invocation(r: unknown): object {
  if (typeof r !== 'object' || r === null) throw GIVE_UP;
  const has = layoutOf(r, INVOCATION);
  if (has < 0) throw GIVE_UP;
  const s = r as Source;
  const out: Source = {
    id: value(s['id'], FIELD),
    at: value(s['at'], FIELD),
    entity: value(s['entity'], FIELD),
    effector: value(s['effector'], FIELD),
    caller: caller(s['caller']),
    params: redacted(s['params'], FIELD),
    outcome: value(s['outcome'], FIELD),
    attempts: value(s['attempts'], FIELD),
    durationMs: value(s['durationMs'], FIELD),
  };
  const result = s['result'];
  if (has & (1 << 9)) out['result'] = result === undefined ? undefined : redacted(result, FIELD);
  else if (result !== undefined) throw GIVE_UP;
  const error = s['error'];
  if (has & (1 << 10)) out['error'] = error ? errorOf(error) : error;
  else if (error) throw GIVE_UP;
  if (has & (1 << 11)) out['fencingToken'] = value(s['fencingToken'], FIELD);
  return out;
}

/** A symptom as `boundDecision` makes it: kind and redacted detail, nothing else. */
function symptom(v: unknown): object {
  if (typeof v !== 'object' || v === null) throw GIVE_UP;
  const s = v as Source;
  const kind = s['kind'];
  if (typeof kind !== 'string') throw GIVE_UP;
  const detail = s['detail'];
  return detail === undefined ? { kind: text(kind) } : { kind: text(kind), detail: redacted(detail, FIELD + 1) };
}

/** The first 200 items, each built by `item`; a hole (kept by `boundDecision`, filled by the store's copy) gives up. */
function list(items: unknown, item: (source: unknown) => object): readonly object[] {
  if (!Array.isArray(items) || Object.getPrototypeOf(items) !== Array.prototype) throw GIVE_UP;
  const length = Math.min(items.length, MAX_ITEMS);
  const out = new Array<object>(length);
  for (let i = 0; i < length; i++) {
    if (!(i in items)) throw GIVE_UP;
    out[i] = item(items[i]);
  }
  return out;
}

const ITEM_FIELD = FIELD + 2;

function action(a: unknown): object {
  if (typeof a !== 'object' || a === null) throw GIVE_UP;
  const has = layoutOf(a, ACTION);
  if (has < 0) throw GIVE_UP;
  const s = a as Source;
  const params = s['params'];
  // an inherited compensation or params would be added by `boundDecision` as keys of their own
  if (s['compensate'] || (!(has & 4) && params !== undefined)) throw GIVE_UP;
  const out: Source = { entity: prim(s['entity']), effector: prim(s['effector']) };
  if (has & 4) out['params'] = params === undefined ? undefined : redacted(params, ITEM_FIELD);
  return out;
}

function input(o: unknown): object {
  if (typeof o !== 'object' || o === null) throw GIVE_UP;
  const has = layoutOf(o, INPUT);
  if (has < 0) throw GIVE_UP;
  const s = o as Source;
  const out: Source = { entity: prim(s['entity']), sensor: prim(s['sensor']), value: redacted(s['value'], ITEM_FIELD), at: prim(s['at']) };
  if (has & 16) out['stale'] = prim(s['stale']);
  return out;
}

/** Durations as the engine writes them, as one literal; any other value as `plain` copies it. */
function durations(d: unknown): unknown {
  if (typeof d !== 'object' || d === null || layoutOf(d, DURATIONS) < 0) return plain(d, FIELD);
  const s = d as Source;
  return { analyzeMs: value(s['analyzeMs'], FIELD + 1), planMs: value(s['planMs'], FIELD + 1), executeMs: value(s['executeMs'], FIELD + 1) };
}

/** An invocation's caller as one literal (see `durations`). */
function caller(c: unknown): unknown {
  if (typeof c !== 'object' || c === null || layoutOf(c, CALLER) < 0) return plain(c, FIELD);
  const s = c as Source;
  return { kind: value(s['kind'], FIELD + 1), name: value(s['name'], FIELD + 1) };
}

/** An error as `bounded-record` keeps it: code and message as bounded text (a value that is an object gives up: String() would run its code). */
function errorOf(e: unknown): object {
  const s = e as Source;
  const code = s['code'];
  const message = s['message'];
  if (!primitive(code) || !primitive(message)) throw GIVE_UP;
  return { code: text(String(code)), message: text(String(message)) };
}

function freeText(value: unknown): string {
  if (typeof value !== 'string') throw GIVE_UP;
  return text(value);
}

function primitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/** A field of a decision: a primitive, else the decision is not built here (its emitted copy would share the object). */
function prim(item: unknown): unknown {
  const type = typeof item;
  if ((type === 'object' && item !== null) || type === 'function' || type === 'symbol') throw GIVE_UP;
  return item;
}

/** A field's value: itself when it is a primitive (the usual case, kept small to be inlined), else `plain`. */
function value(item: unknown, depth: number): unknown {
  const type = typeof item;
  return type === 'object' || type === 'function' || type === 'symbol' ? plain(item, depth) : item;
}

/** What `copyPlain` makes of `value` at `depth`; gives up where it would throw NOT_PLAIN. */
function plain(value: unknown, depth: number): unknown {
  if (value === null) return null;
  const type = typeof value;
  if (type === 'function' || type === 'symbol') throw GIVE_UP;
  if (type !== 'object') return value;
  if (depth > MAX_PLAIN_DEPTH) throw GIVE_UP;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = plain(value[i], depth + 1);
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw GIVE_UP;
  const source = value as Source;
  const out: Source = {};
  for (const key of Object.keys(source)) {
    if (key === '__proto__') throw GIVE_UP;
    out[key] = plain(source[key], depth + 1);
  }
  return out;
}

/**
 * `redact(value)` as it is: its copy is new and held by nobody else, so it needs no other copy when it is
 * already what the store's copy would make of it (plain objects and arrays, no holes); else gives up.
 */
function redacted(value: unknown, depth: number): unknown {
  const out = redact(value);
  if (typeof out === 'object' && out !== null) canonical(out, depth);
  return out;
}

/** Gives up unless `value` at `depth` is what `copyPlain` would copy to an equal value (no hole, no other prototype). */
function canonical(value: unknown, depth: number): void {
  if (value === null) return;
  const type = typeof value;
  if (type === 'function' || type === 'symbol') throw GIVE_UP;
  if (type !== 'object') return;
  if (depth > MAX_PLAIN_DEPTH) throw GIVE_UP;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw GIVE_UP;
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw GIVE_UP;
      canonical(value[i], depth + 1);
    }
    return;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) throw GIVE_UP;
  const source = value as Source;
  // for-in walks the own keys as Object.keys lists them, without an array of them; an inherited enumerable
  // key (a polluted prototype) is none of the value's
  for (const key in source) {
    if (!hasOwn.call(source, key)) continue;
    if (key === '__proto__') throw GIVE_UP;
    canonical(source[key], depth + 1);
  }
}

const hasOwn = Object.prototype.hasOwnProperty;
