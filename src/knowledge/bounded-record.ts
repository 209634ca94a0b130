import { redact } from '../core/redact.js';
import type { InvocationRecord } from '../effectors/invocation.js';
import type { Action, Decision, PolicyFault } from './decision.js';
import type { SensorSnapshot } from './store.js';
import type { Observation } from '../sensors/reading.js';

/** Longest free text kept in a record (reason, detail, error message). */
const MAX_TEXT = 4_096;

/** @internal most actions and inputs kept in a decision. */
export const MAX_ITEMS = 200;

/** @internal free text cut at 4 096 characters, the cut marked. */
export function text(value: string): string {
  return value.length <= MAX_TEXT ? value : `${value.slice(0, MAX_TEXT)}…[truncated: ${value.length - MAX_TEXT} more characters]`;
}

/** A value as text, also one whose conversion throws (an object with no usable `toString`): its tag then. */
function asText(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** @internal a record's error as its code and message, each as bounded text. */
export function boundError(e: { readonly code: string; readonly message: string }): { code: string; message: string } {
  return { code: text(asText(e.code)), message: text(asText(e.message)) };
}

/**
 * A record being bounded: its own copy, written field by field (the keys keep the source's order). Copies are
 * made as a bare spread, then fields set: in V8, an object literal with keys after a spread (`{ ...a, b }`)
 * takes a slow path that costs microseconds per record, while a bare spread is a fast clone.
 */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

function action(a: Action): Action {
  const out: Writable<Action> = { ...a };
  if (a.params !== undefined) out.params = redact(a.params);
  if (a.compensate) {
    const compensate: Writable<NonNullable<Action['compensate']>> = { ...a.compensate };
    if (a.compensate.params !== undefined) compensate.params = redact(a.compensate.params);
    out.compensate = compensate;
  }
  return out;
}

/** An input of a decision with its value redacted and bounded. */
function input(o: Observation): Observation {
  const out: Writable<Observation> = { ...o };
  out.value = redact(o.value);
  return out;
}

/**
 * The first 200 items of `items`, each bounded by `bound`: one array, where `slice(0, 200).map(bound)` makes
 * two, with the same result (holes stay holes); anything but a plain array takes slice and map themselves.
 */
function boundedList<T>(items: readonly T[], bound: (item: T) => T): T[] {
  if (!Array.isArray(items) || Object.getPrototypeOf(items) !== Array.prototype) return items.slice(0, MAX_ITEMS).map(bound);
  const length = Math.min(items.length, MAX_ITEMS);
  const out = new Array<T>(length);
  for (let i = 0; i < length; i++) if (i in items) out[i] = bound(items[i] as T);
  return out;
}

/**
 * A decision as it may be stored and shown: the values a policy or a caller chose (symptom detail, action
 * params, inputs) are redacted at any depth and bounded in depth and size, truncation marked; free text is
 * cut at 4 096 characters. Ids, times and outcomes are kept as they are.
 */
export function boundDecision(d: Decision): Decision {
  const out: Writable<Decision> = { ...d };
  out.reason = text(d.reason);
  out.symptom = d.symptom.detail === undefined ? { kind: text(d.symptom.kind) } : { kind: text(d.symptom.kind), detail: redact(d.symptom.detail) };
  out.actions = boundedList(d.actions, action);
  out.inputs = boundedList(d.inputs, input);
  if (d.detail !== undefined) out.detail = text(d.detail);
  if (d.error) out.error = boundError(d.error);
  return out;
}

/** An invocation record with its params and result redacted and bounded (see `redact`). */
export function boundInvocation(r: InvocationRecord): InvocationRecord {
  const out: Writable<InvocationRecord> = { ...r };
  out.params = redact(r.params);
  if (r.result !== undefined) out.result = redact(r.result);
  if (r.error) out.error = boundError(r.error);
  return out;
}

/** A policy fault with its message bounded. */
export function boundFault(f: PolicyFault): PolicyFault {
  const out: Writable<PolicyFault> = { ...f };
  out.message = text(f.message);
  return out;
}

/** A sensor snapshot with its value bounded (a reading can be any JSON a feed delivered). */
export function boundSnapshot(s: SensorSnapshot): SensorSnapshot {
  const out: Writable<SensorSnapshot> = { ...s };
  out.value = redact(s.value);
  return out;
}
