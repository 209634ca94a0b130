import { redact } from '../core/redact.js';
import type { InvocationRecord } from '../effectors/invocation.js';
import type { Action, Decision, PolicyFault } from './decision.js';
import type { SensorSnapshot } from './store.js';

/** Longest free text kept in a record (reason, detail, error message). */
const MAX_TEXT = 4_096;

function text(value: string): string {
  return value.length <= MAX_TEXT ? value : `${value.slice(0, MAX_TEXT)}…[truncated: ${value.length - MAX_TEXT} more characters]`;
}

function error(e: { readonly code: string; readonly message: string }): { code: string; message: string } {
  return { code: text(String(e.code)), message: text(String(e.message)) };
}

function action(a: Action): Action {
  return {
    ...a,
    ...(a.params === undefined ? {} : { params: redact(a.params) }),
    ...(a.compensate ? { compensate: { ...a.compensate, ...(a.compensate.params === undefined ? {} : { params: redact(a.compensate.params) }) } } : {}),
  };
}

/**
 * A decision as it may be stored and shown: the values a policy or a caller chose (symptom detail, action
 * params, inputs) are redacted at any depth and bounded in depth and size, truncation marked; free text is
 * cut at 4 096 characters. Ids, times and outcomes are kept as they are.
 */
export function boundDecision(d: Decision): Decision {
  return {
    ...d,
    reason: text(d.reason),
    symptom: { kind: text(d.symptom.kind), ...(d.symptom.detail === undefined ? {} : { detail: redact(d.symptom.detail) }) },
    actions: d.actions.slice(0, 200).map(action),
    inputs: d.inputs.slice(0, 200).map((o) => ({ ...o, value: redact(o.value) })),
    ...(d.detail === undefined ? {} : { detail: text(d.detail) }),
    ...(d.error ? { error: error(d.error) } : {}),
  };
}

/** An invocation record with its params and result redacted and bounded (see `redact`). */
export function boundInvocation(r: InvocationRecord): InvocationRecord {
  return {
    ...r,
    params: redact(r.params),
    ...(r.result === undefined ? {} : { result: redact(r.result) }),
    ...(r.error ? { error: error(r.error) } : {}),
  };
}

/** A policy fault with its message bounded. */
export function boundFault(f: PolicyFault): PolicyFault {
  return { ...f, message: text(f.message) };
}

/** A sensor snapshot with its value bounded (a reading can be any JSON a feed delivered). */
export function boundSnapshot(s: SensorSnapshot): SensorSnapshot {
  return { ...s, value: redact(s.value) };
}
