import { TimedIds } from '../core/timed-ids.js';
import type { Context } from '@opentelemetry/api';
import type { Observable, SchedulerLike } from 'rxjs';
import { childSpan } from '../telemetry/tracing.js';
import { redact } from '../core/redact.js';
import type { Entity } from '../core/entity.js';
import { HomeostatError, ValidationError, describeError } from '../core/errors.js';
import { hasSecretRefs, resolveSecretRefs, scrubSecrets, type Resolved } from '../core/secret-ref.js';
import { sleep } from '../core/time.js';
import type { EffectorContext, EffectorDefinition } from './define-effector.js';
import { AttemptSignal } from './attempt-signal.js';
import { attemptSignalOf, effectorContextOf, runAttempt } from './attempt.js';
import type { KeyedClaim } from './keyed-claim.js';
import { NO_SECRETS, isPromiseLike, settleThen, succeededRecord, withSignal, type Call, type LaunchedAttempt, type PreparedInvocation, type RecordBase } from './prepared-invocation.js';
import { EntityQueue } from './entity-queue.js';
import { isEmptyObjectSchema } from './empty-params.js';
import { paramProblems } from './param-problems.js';
import type { InvocationDelegate } from './delegated-invocation.js';
import type { Caller, InFlightInvocation, InvocationRecord } from './invocation.js';
import { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from './retry-policy.js';
import { Broadcast } from '../core/broadcast.js';

/** Options of one invocation. */
export interface InvokeOptions {
  readonly caller: Caller;
  /** Aborts the invocation (and any waiting retry) when it fires. */
  readonly signal?: AbortSignal;
  /** Time allowed per attempt (ms), instead of the effector's declared timeout. */
  readonly timeoutMs?: number;
  /** Trace context the invocation's span hangs from. */
  readonly traceContext?: Context;
  /** The decision this invocation carries out, passed on to the effector (e.g. as an idempotency key). */
  readonly decisionId?: string;
  /** Run here or not at all: never handed to another instance (an invocation handed over to this one). */
  readonly local?: boolean;
}

/** Thrown by `invoke` when the effector failed; carries the record. */
export class InvocationFailedError extends HomeostatError {
  readonly record: InvocationRecord;
  constructor(record: InvocationRecord, cause: unknown) {
    super(record.error?.code ?? 'E_EFFECTOR_FAILED', `${record.entity}.${record.effector}: ${record.error?.message ?? 'failed'}`, { cause });
    this.record = record;
  }
}

/** Thrown instead of running an effector when this instance does not hold the lease to act (terminal). */
export class NotActingError extends HomeostatError {
  constructor(entity: string, effector: string) {
    super('E_NOT_LEADER', `${entity}.${effector}: this instance does not hold the lease to act; another instance acts`, { retryable: false });
  }
}

/** Options of the invoker. */
export interface InvokerOptions {
  /**
   * The fencing token to act under, asked before every attempt; undefined means this instance must not act
   * now (it lost or never held the lease), and the invocation fails with E_NOT_LEADER. Default: always act,
   * with no token (one instance). Gets the entity acted on: with shards, each subtree has a lease of its own.
   */
  readonly fence?: (entity: string) => number | undefined;
  /**
   * With shards: an invocation whose entity this instance may not act on now (the fence says so) is handed to
   * the instance that holds the entity's shard, which runs it under its own fencing token and records it;
   * this instance gets the result or the error. Default: none (E_NOT_LEADER).
   */
  readonly delegate?: InvocationDelegate;
}

/**
 * Invokes effectors: validates params, runs one invocation at a time per entity, applies each attempt's
 * timeout on the scheduler, retries idempotent effectors with backoff, and records every invocation.
 */
export class EffectorInvoker {
  private readonly queue = new EntityQueue();
  private readonly recordsSubject = new Broadcast<InvocationRecord>();
  private readonly startedSubject = new Broadcast<InFlightInvocation>();
  private readonly ids = new TimedIds('inv-');

  /** @param random jitter source; inject a seeded one for deterministic simulation */
  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly random: () => number = Math.random,
    private readonly options: InvokerOptions = {},
  ) {}

  /** Every invocation as it starts to run (after its params passed); its record follows on `records$`. */
  get started$(): Observable<InFlightInvocation> {
    return this.startedSubject.stream;
  }

  /** Every invocation record, when the invocation ends. */
  get records$(): Observable<InvocationRecord> {
    return this.recordsSubject.stream;
  }

  /** True while an invocation runs or waits on the entity. */
  busy(entityId: string): boolean {
    return this.queue.busy(entityId);
  }

  /**
   * Invokes `effectorName` on `entity`.
   * @returns the effector's result
   * @throws ValidationError (params; nothing ran), UnknownEffectorError, InvocationFailedError
   */
  async invoke(entity: Entity, effectorName: string, rawParams: unknown, options: InvokeOptions): Promise<unknown> {
    const effector = entity.effector(effectorName);
    const startedAt = this.scheduler.now();
    const id = this.ids.next(startedAt);
    // records carry the params with secret-looking values redacted; the effector gets the real ones
    const base = { id, at: startedAt, entity: entity.id, effector: effectorName, caller: options.caller, params: redact(rawParams) };
    // secret references ({ secret: { env | file } }) are resolved now, for this call only: records keep the
    // reference, and every secret value is scrubbed from what leaves the invocation (result, error, detail)
    let resolved: Resolved<unknown> = { value: rawParams, secrets: [] };
    try {
      if (hasSecretRefs(rawParams)) resolved = await resolveSecretRefs(rawParams);
    } catch (error) {
      const record: InvocationRecord = { ...base, outcome: 'failed', attempts: 0, durationMs: 0, error: { code: error instanceof HomeostatError ? error.code : 'E_SECRET_UNAVAILABLE', message: describeError(error) } };
      this.emit(record);
      throw new InvocationFailedError(record, error);
    }
    const params = this.parse(entity, effector, effectorName, resolved.value, base, resolved.secrets);
    const delegated = this.delegated(entity, effector, effectorName, rawParams, options);
    if (delegated) return delegated;
    const call: Call = { entity, effector, effectorName, params, options, base, startedAt, secrets: resolved.secrets };
    return this.queue.run(entity, () => this.runQueued(call, undefined));
  }

  /** Whether `prepare` would take an invocation of `entity` with these params now (see `prepare`). */
  canPrepare(entity: Entity, rawParams: unknown): boolean {
    return !this.options.fence && !this.options.delegate && !this.queue.busy(entity) && !hasSecretRefs(rawParams);
  }

  /**
   * The first half of `invoke`, done now, for a caller that runs the invocation itself in a later microtask
   * (`runPrepared`): the effector found, the params checked, the id taken and the entity's queue claimed.
   * Undefined, with nothing done, when the invocation must take the general path (the entity is busy, the
   * params hold secret references, a lease fences or delegates, a trace context is given).
   * `effector`: @internal `entity.effector(effectorName)` when the caller has it already (the engine remembers
   * it between plans); one of another name is ignored and the entity's own looked up.
   * @throws UnknownEffectorError, ValidationError (params; the `rejected` record is written), as `invoke` rejects
   */
  prepare(entity: Entity, effectorName: string, rawParams: unknown, options: InvokeOptions, effector?: EffectorDefinition<unknown, unknown>): PreparedInvocation | undefined {
    if (options.traceContext || !this.canPrepare(entity, rawParams)) return undefined;
    if (effector?.name !== effectorName) effector = entity.effector(effectorName);
    const startedAt = this.scheduler.now();
    const id = this.ids.next(startedAt);
    const base = { id, at: startedAt, entity: entity.id, effector: effectorName, caller: options.caller, params: redact(rawParams) };
    const params = this.parse(entity, effector, effectorName, rawParams, base, NO_SECRETS);
    const claim = this.queue.claim(entity) as KeyedClaim;
    return { call: { entity, effector, effectorName, params, options, base, startedAt, secrets: NO_SECRETS }, claim };
  }

  /**
   * Runs a prepared invocation: its first attempt at once, so a synchronous effector ends here with no
   * promise made (`{ value }`); an effector that returns a promise or throws goes on as `invoke` would
   * (timeout, abort, retries, records) and the promise is returned. Either way the record is written as by
   * `invoke`, and the entity's queue is released when the invocation ends.
   * `lazySignal`: the caller's signal, made only when the invocation needs it (an effector that returns a
   * promise or throws, or an abort before the run), in place of `options.signal`.
   */
  runPrepared(prepared: PreparedInvocation, lazySignal?: AttemptSignal): { readonly value: unknown } | Promise<unknown> {
    const { call, claim } = prepared;
    if (lazySignal?.aborted || call.options.signal?.aborted) return this.releasing(prepared, this.runQueued(withSignal(call, lazySignal), undefined));
    if (this.startedSubject.observed) this.startedSubject.next(call.base);
    // the attempt's signal is made by the context when the effector reads it, or below when the attempt goes
    // on under its timeout (a synchronous effector that never reads it costs none)
    const context = this.attemptContext(call, 1, undefined, undefined);
    let value: unknown;
    try {
      value = call.effector.run(call.params, context);
    } catch (error) {
      return this.releasing(prepared, this.runQueued(withSignal(call, lazySignal), { signal: attemptSignalOf(context), outcome: Promise.reject(error) }));
    }
    if (isPromiseLike(value)) return this.releasing(prepared, this.runQueued(withSignal(call, lazySignal), { signal: attemptSignalOf(context), outcome: value }));
    this.emit(succeededRecord(call.base, 1, this.scheduler.now() - call.startedAt, value));
    this.queue.release(call.entity, claim);
    return { value };
  }

  /** `work`, releasing the prepared invocation's claim on its entity once it settles. */
  private releasing(prepared: PreparedInvocation, work: Promise<unknown>): Promise<unknown> {
    return settleThen(work, () => this.queue.release(prepared.call.entity, prepared.claim));
  }

  /** The params as the effector's schema gives them. @throws ValidationError (and writes the `rejected` record) */
  private parse(entity: Entity, effector: EffectorDefinition<unknown, unknown>, effectorName: string, value: unknown, base: RecordBase, secrets: readonly string[]): unknown {
    // no params for an effector that takes none (restart, promote, fence): what zod would give, without a parse
    if (value === undefined && isEmptyObjectSchema(effector.params)) return {};
    const raw = value ?? {};
    const parsed = effector.params.safeParse(raw);
    const problems = paramProblems(effector.params, raw, parsed);
    if (problems.length === 0) return parsed.data;
    const error = new ValidationError(`params of ${entity.id}.${effectorName}`, problems.map((p) => scrubSecrets(p, secrets)));
    this.emit({ ...base, outcome: 'rejected', attempts: 0, durationMs: 0, error: { code: error.code, message: error.message } });
    throw error;
  }

  /** Runs an invocation's attempts in its span and writes its record; `launched`: the first attempt already started. */
  private runQueued(call: Call, launched: LaunchedAttempt | undefined): Promise<unknown> {
    const { entity, effector, effectorName, params, options, base, startedAt, secrets } = call;
    return childSpan(options.traceContext, 'homeostat.effector', { 'homeostat.entity': entity.id, 'homeostat.effector': effectorName, 'homeostat.caller': `${options.caller.kind}:${options.caller.name}` }, async (span) => {
      let attempts = launched ? 1 : 0;
      let token: number | undefined;
      const fenced = () => (token === undefined ? base : { ...base, fencingToken: token });
      try {
        const result = await this.runWithRetry(entity, effector, params, options, () => {
          token = this.fenceFor(entity.id, effectorName);
          if (attempts === 0) this.startedSubject.next(fenced());
          return ++attempts;
        }, () => token, base.id, launched).then((raw) => scrubSecrets(raw, secrets));
        const durationMs = this.scheduler.now() - startedAt;
        this.emit(token === undefined ? succeededRecord(base, attempts, durationMs, result) : { ...fenced(), outcome: 'succeeded', attempts, durationMs, result });
        return result;
      } catch (error) {
        const record: InvocationRecord = scrubSecrets({
          ...fenced(),
          outcome: 'failed',
          attempts,
          durationMs: this.scheduler.now() - startedAt,
          error: { code: error instanceof HomeostatError ? error.code : 'E_EFFECTOR_FAILED', message: describeError(error), ...detailOf(error) },
        }, secrets);
        this.emit(record);
        throw new InvocationFailedError(record, secrets.length === 0 ? error : scrubbedError(error, record));
      } finally {
        span.setAttribute('homeostat.attempts', attempts);
      }
    });
  }

  /**
   * The owner's run of an invocation this instance may not run itself, when a delegate takes it; undefined
   * to run (or refuse) it here. Nothing is recorded here: the instance that runs it records it.
   */
  private delegated(entity: Entity, effector: EffectorDefinition<unknown, unknown>, effectorName: string, rawParams: unknown, options: InvokeOptions): Promise<unknown> | undefined {
    const { fence, delegate } = this.options;
    if (!fence || !delegate || options.local || fence(entity.id) !== undefined) return undefined;
    const perAttemptMs = options.timeoutMs ?? effector.timeoutMs ?? 30_000;
    const policy: RetryPolicy = { ...DEFAULT_RETRY, ...effector.retry };
    const attempts = effector.idempotent ? Math.max(1, policy.maxAttempts) : 1;
    return delegate({
      entity: entity.id,
      effector: effectorName,
      params: rawParams,
      caller: options.caller,
      ...(options.decisionId === undefined ? {} : { decisionId: options.decisionId }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      runBoundMs: attempts * perAttemptMs + (attempts - 1) * policy.maxDelayMs,
    }, options.signal);
  }

  /** The token to act under; @throws NotActingError when this instance must not act now */
  private fenceFor(entity: string, effector: string): number | undefined {
    if (!this.options.fence) return undefined;
    const token = this.options.fence(entity);
    if (token === undefined) throw new NotActingError(entity, effector);
    return token;
  }

  private async runWithRetry(entity: Entity, effector: EffectorDefinition<unknown, unknown>, params: unknown, options: InvokeOptions, countAttempt: () => number, token: () => number | undefined, invocationId: string, launched: LaunchedAttempt | undefined): Promise<unknown> {
    const ids = { invocationId, ...(options.decisionId === undefined ? {} : { decisionId: options.decisionId }) };
    const signal = options.signal;
    const policy: RetryPolicy = { ...DEFAULT_RETRY, ...effector.retry };
    const maxAttempts = effector.idempotent ? Math.max(1, policy.maxAttempts) : 1;
    let first = launched;
    for (;;) {
      // a launched first attempt was counted (and announced) when it started
      const attempt = first ? 1 : countAttempt();
      try {
        const started = first;
        first = undefined;
        return await runAttempt(this.scheduler, entity, effector, params, attempt, signal, options.timeoutMs, ids, token(), started);
      } catch (error) {
        const retryable = !(error instanceof HomeostatError) || error.retryable;
        if (!retryable || attempt >= maxAttempts || signal?.aborted) throw error;
        await sleep(this.scheduler, backoffDelay(policy, attempt, this.random), signal);
      }
    }
  }

  /** The context of a prepared invocation's first attempt (no fencing: prepared invocations run unfenced). */
  private attemptContext(call: Call, attempt: number, attemptSignal: AttemptSignal | undefined, fencingToken: number | undefined): EffectorContext {
    return effectorContextOf(this.scheduler, call.entity, attempt, attemptSignal, call.base.id, call.options.decisionId, fencingToken);
  }

  private emit(record: InvocationRecord): void {
    this.recordsSubject.next(record);
  }
}

/** An error standing in for one that may quote a secret: the same code and retry flag, the scrubbed message and detail. */
function scrubbedError(error: unknown, record: InvocationRecord): HomeostatError {
  const scrubbed = new HomeostatError(record.error?.code ?? 'E_EFFECTOR_FAILED', record.error?.message ?? 'failed', { retryable: error instanceof HomeostatError && error.retryable });
  return record.error?.detail === undefined ? scrubbed : Object.assign(scrubbed, { detail: record.error.detail });
}

/** The `detail` an error carries for the record (an exec effector's exit code and output), when it has one. */
function detailOf(error: unknown): { detail?: unknown } {
  const detail = typeof error === 'object' && error !== null ? (error as { detail?: unknown }).detail : undefined;
  return detail === undefined ? {} : { detail };
}
