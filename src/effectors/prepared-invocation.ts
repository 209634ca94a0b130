import type { Entity } from '../core/entity.js';
import type { AttemptSignal } from './attempt-signal.js';
import type { EffectorDefinition } from './define-effector.js';
import type { InvocationRecord } from './invocation.js';
import type { InvokeOptions } from './invoker.js';
import type { KeyedClaim } from './keyed-claim.js';

/** The fields every record of one invocation starts with. */
export type RecordBase = Pick<InvocationRecord, 'id' | 'at' | 'entity' | 'effector' | 'caller' | 'params'>;

/** One invocation whose params passed: what its attempts and its record need. */
export interface Call {
  readonly entity: Entity;
  readonly effector: EffectorDefinition<unknown, unknown>;
  readonly effectorName: string;
  /** The params as the effector's schema gave them. */
  readonly params: unknown;
  readonly options: InvokeOptions;
  readonly base: RecordBase;
  /** Scheduler time the invocation was asked for (ms). */
  readonly startedAt: number;
  /** Secret values resolved for this call, scrubbed from what leaves it. */
  readonly secrets: readonly string[];
}

/** A first attempt already started outside the retry loop: its outcome, and the signal its effector holds. */
export interface LaunchedAttempt {
  readonly signal: AttemptSignal;
  readonly outcome: PromiseLike<unknown>;
}

/** An invocation prepared by `EffectorInvoker.prepare`: checked, numbered, its entity's queue claimed. */
export interface PreparedInvocation {
  readonly call: Call;
  readonly claim: KeyedClaim;
}

/** No secrets resolved: one shared empty list. */
export const NO_SECRETS: readonly string[] = Object.freeze([]);

/** True for a promise or any thenable (what an effector returns when it works asynchronously). */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** `work`, with `after` run once it settles either way (before anyone awaiting the result resumes). */
export function settleThen<T>(work: Promise<T>, after: () => void): Promise<T> {
  return work.then(
    (value) => {
      after();
      return value;
    },
    (error: unknown) => {
      after();
      throw error;
    },
  );
}

/**
 * The record of an invocation that succeeded, built field by field in the order `{ ...base, outcome, attempts,
 * durationMs, result }` gives: a spread followed by new keys takes V8's slow path (microseconds per record).
 */
export function succeededRecord(base: RecordBase, attempts: number, durationMs: number, result: unknown): InvocationRecord {
  return { id: base.id, at: base.at, entity: base.entity, effector: base.effector, caller: base.caller, params: base.params, outcome: 'succeeded', attempts, durationMs, result };
}

/**
 * `call` with `lazySignal`'s signal (made now) as its options' signal, for the general path of a prepared
 * invocation; `call` itself without one. Built field by field (keys after a spread take V8's slow path).
 */
export function withSignal(call: Call, lazySignal: AttemptSignal | undefined): Call {
  if (!lazySignal) return call;
  const o = call.options;
  const options: InvokeOptions = {
    caller: o.caller,
    signal: lazySignal.signal,
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    ...(o.traceContext === undefined ? {} : { traceContext: o.traceContext }),
    ...(o.decisionId === undefined ? {} : { decisionId: o.decisionId }),
    ...(o.local === undefined ? {} : { local: o.local }),
  };
  return { entity: call.entity, effector: call.effector, effectorName: call.effectorName, params: call.params, options, base: call.base, startedAt: call.startedAt, secrets: call.secrets };
}
