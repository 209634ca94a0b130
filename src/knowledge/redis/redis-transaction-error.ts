import { describeError } from '../../core/errors.js';

/** Distinct causes named in a message at most; the rest are counted. */
const MAX_CAUSES = 3;

/**
 * A MULTI/EXEC transaction that failed, with the replies that made it fail. Redis discards a whole transaction
 * when a command was refused as it was queued (READONLY on a replica, OOM, an unknown or renamed command, a
 * wrong number of arguments), and EXEC then says only `EXECABORT Transaction discarded because of previous
 * errors`; ioredis keeps the refusals in the error's `previousErrors`. A command that failed as the
 * transaction ran (NOSCRIPT, WRONGTYPE, a script's error) is a reply of its own. The message names the causes
 * (distinct ones, at most three), not only EXECABORT, so `/ready` and the log say what is wrong.
 */
export class RedisTransactionError extends Error {
  /** The refusals and failed replies, in order (EXEC's own error last when it had none to name). */
  readonly causes: readonly Error[];

  private constructor(causes: readonly Error[], discarded: boolean) {
    const distinct = [...new Set(causes.map((cause) => describeError(cause)))];
    const named = distinct.slice(0, MAX_CAUSES).join('; ') + (distinct.length > MAX_CAUSES ? `; and ${distinct.length - MAX_CAUSES} more` : '');
    super(discarded ? `${named} (Redis discarded the whole transaction: EXECABORT)` : named);
    this.name = 'RedisTransactionError';
    this.causes = causes;
  }

  /**
   * The error of a transaction whose EXEC was rejected: with its `previousErrors` as the causes when it has
   * any (EXECABORT), else the rejection itself, as it is, when it is no reply of Redis (a timeout, a closed
   * connection), which says what it is already; a write while the connection is down says so in words.
   */
  static ofRejection(error: unknown): Error {
    const previous = typeof error === 'object' && error !== null ? (error as { previousErrors?: unknown }).previousErrors : undefined;
    const causes = Array.isArray(previous) ? previous.filter((cause): cause is Error => cause instanceof Error) : [];
    if (causes.length > 0) return new RedisTransactionError(causes, true);
    // ioredis' words for a write while the connection is down (its offline queue is off) name neither
    if (error instanceof Error && /Stream isn't writeable/.test(error.message)) return new Error(`Redis is not connected, so nothing was sent (${error.message})`, { cause: error });
    return error instanceof Error ? error : new Error(describeError(error));
  }

  /** The error of a transaction that ran with some replies errors, or undefined when none is. */
  static ofReplies(results: readonly [Error | null, unknown][]): RedisTransactionError | undefined {
    const causes = results.flatMap(([error]) => (error ? [error] : []));
    return causes.length > 0 ? new RedisTransactionError(causes, false) : undefined;
  }

  /** Whether Redis did not have a script the transaction called (NOSCRIPT): loaded again, it would run. */
  static missesScript(error: unknown): boolean {
    return error instanceof RedisTransactionError && error.causes.some((cause) => /\bNOSCRIPT\b/.test(cause.message));
  }
}
