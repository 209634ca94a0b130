import type { Context } from '@opentelemetry/api';
import { Subject, type Observable, type SchedulerLike } from 'rxjs';
import { childSpan } from '../telemetry/tracing.js';
import { redact } from '../core/redact.js';
import type { Entity } from '../core/entity.js';
import { EffectorAbortedError, EffectorTimeoutError, HomeostatError, ValidationError, describeError } from '../core/errors.js';
import { hasSecretRefs, resolveSecretRefs, scrubSecrets, type Resolved } from '../core/secret-ref.js';
import { sleep } from '../core/time.js';
import type { EffectorDefinition } from './define-effector.js';
import { KeyedQueue } from './entity-queue.js';
import type { InvocationDelegate } from './delegated-invocation.js';
import type { Caller, InFlightInvocation, InvocationRecord } from './invocation.js';
import { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from './retry-policy.js';

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
  private readonly queue = new KeyedQueue();
  private readonly recordsSubject = new Subject<InvocationRecord>();
  private readonly startedSubject = new Subject<InFlightInvocation>();
  private sequence = 0;

  /** @param random jitter source; inject a seeded one for deterministic simulation */
  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly random: () => number = Math.random,
    private readonly options: InvokerOptions = {},
  ) {}

  /** Every invocation as it starts to run (after its params passed); its record follows on `records$`. */
  get started$(): Observable<InFlightInvocation> {
    return this.startedSubject.asObservable();
  }

  /** Every invocation record, when the invocation ends. */
  get records$(): Observable<InvocationRecord> {
    return this.recordsSubject.asObservable();
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
    const id = `inv-${startedAt}-${++this.sequence}`;
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
    const secrets = resolved.secrets;
    const parsed = effector.params.safeParse(resolved.value ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => scrubSecrets(`${i.path.join('.') || 'params'}: ${i.message}`, secrets));
      const error = new ValidationError(`params of ${entity.id}.${effectorName}`, problems);
      this.emit({ ...base, outcome: 'rejected', attempts: 0, durationMs: 0, error: { code: error.code, message: error.message } });
      throw error;
    }
    const delegated = this.delegated(entity, effector, effectorName, rawParams, options);
    if (delegated) return delegated;
    return this.queue.run(entity.id, () => childSpan(options.traceContext, 'homeostat.effector', { 'homeostat.entity': entity.id, 'homeostat.effector': effectorName, 'homeostat.caller': `${options.caller.kind}:${options.caller.name}` }, async (span) => {
      let attempts = 0;
      let token: number | undefined;
      const fenced = () => (token === undefined ? base : { ...base, fencingToken: token });
      try {
        const result = await this.runWithRetry(entity, effector, parsed.data, options, () => {
          token = this.fenceFor(entity.id, effectorName);
          if (attempts === 0) this.startedSubject.next(fenced());
          return ++attempts;
        }, () => token, id).then((raw) => scrubSecrets(raw, secrets));
        this.emit({ ...fenced(), outcome: 'succeeded', attempts, durationMs: this.scheduler.now() - startedAt, result });
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
    }));
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

  private async runWithRetry(entity: Entity, effector: EffectorDefinition<unknown, unknown>, params: unknown, options: InvokeOptions, countAttempt: () => number, token: () => number | undefined, invocationId: string): Promise<unknown> {
    const ids = { invocationId, ...(options.decisionId === undefined ? {} : { decisionId: options.decisionId }) };
    const signal = options.signal;
    const policy: RetryPolicy = { ...DEFAULT_RETRY, ...effector.retry };
    const maxAttempts = effector.idempotent ? Math.max(1, policy.maxAttempts) : 1;
    for (;;) {
      const attempt = countAttempt();
      try {
        return await this.attempt(entity, effector, params, attempt, signal, options.timeoutMs, ids, token());
      } catch (error) {
        const retryable = !(error instanceof HomeostatError) || error.retryable;
        if (!retryable || attempt >= maxAttempts || signal?.aborted) throw error;
        await sleep(this.scheduler, backoffDelay(policy, attempt, this.random), signal);
      }
    }
  }

  private attempt(entity: Entity, effector: EffectorDefinition<unknown, unknown>, params: unknown, attempt: number, outer: AbortSignal | undefined, timeoutOverride: number | undefined, ids: { invocationId: string; decisionId?: string }, fencingToken: number | undefined): Promise<unknown> {
    const timeoutMs = timeoutOverride ?? effector.timeoutMs ?? 30_000;
    // the effector's signal is made when the effector first reads it: most effectors never do, and a signal
    // costs more than a small effector's whole invocation; an abort before that is replayed on creation
    let controller: AbortController | undefined;
    let abortReason: { readonly error: Error } | undefined;
    const abortWith = (error: Error): void => {
      abortReason ??= { error };
      controller?.abort(error);
    };
    const signalOf = (): AbortSignal => {
      if (!controller) {
        controller = new AbortController();
        if (abortReason) controller.abort(abortReason.error);
      }
      return controller.signal;
    };
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        timer.unsubscribe();
        outer?.removeEventListener('abort', onOuterAbort);
        fn();
      };
      const timer = this.scheduler.schedule(() => {
        const error = new EffectorTimeoutError(effector.name, timeoutMs);
        abortWith(error);
        finish(() => reject(error));
      }, timeoutMs);
      const onOuterAbort = (): void => {
        const error = new EffectorAbortedError(effector.name);
        abortWith(error);
        finish(() => reject(error));
      };
      if (outer?.aborted) return onOuterAbort();
      outer?.addEventListener('abort', onOuterAbort, { once: true });
      Promise.resolve()
        .then(() => {
          const context = {
            entity,
            get signal(): AbortSignal {
              return signalOf();
            },
            attempt,
            scheduler: this.scheduler,
            ...ids,
            ...(fencingToken === undefined ? {} : { fencingToken }),
          };
          return effector.run(params, context);
        })
        .then(
          (result) => finish(() => resolve(result)),
          (error: unknown) => finish(() => reject(error)),
        );
    });
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
