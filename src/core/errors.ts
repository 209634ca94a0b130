/**
 * Typed errors with stable codes. Callers branch on `code`, never on message text; `retryable` tells
 * the effector invoker whether another attempt may succeed.
 */

/** Marks every HomeostatError, whichever copy of homeostat made it (shared through the global symbol registry). */
const HOMEOSTAT_ERROR = Symbol.for('homeostat.HomeostatError');

/**
 * Base class of every error homeostat throws on purpose. `instanceof HomeostatError` also holds for an error
 * made by another loaded copy of homeostat: the CLI runs from a bundle, while a policy or effector module it
 * loads imports the package itself, and a `TerminalEffectorError` thrown there must still stop retries.
 * Subclasses keep the ordinary prototype check.
 */
export class HomeostatError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== HomeostatError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[HOMEOSTAT_ERROR] === true;
  }

  /** Stable machine-readable code, e.g. `E_UNKNOWN_SENSOR`. */
  readonly code: string;
  /** Whether repeating the same operation may succeed. */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
Object.defineProperty(HomeostatError.prototype, HOMEOSTAT_ERROR, { value: true });

/** A value (params, config, reading, API body) did not match its schema. */
export class ValidationError extends HomeostatError {
  /** Human-readable problems, each naming where and what. */
  readonly problems: readonly string[];
  constructor(where: string, problems: readonly string[]) {
    super('E_VALIDATION', `${where}: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** An entity id or path that is not in the tree. */
export class UnknownEntityError extends HomeostatError {
  constructor(ref: string) {
    super('E_UNKNOWN_ENTITY', `no entity '${ref}' in the tree`);
  }
}

/** A sensor name that the entity does not have. */
export class UnknownSensorError extends HomeostatError {
  constructor(entityId: string, sensor: string) {
    super('E_UNKNOWN_SENSOR', `entity '${entityId}' has no sensor '${sensor}'`);
  }
}

/** An effector name that the entity does not have. */
export class UnknownEffectorError extends HomeostatError {
  constructor(entityId: string, effector: string) {
    super('E_UNKNOWN_EFFECTOR', `entity '${entityId}' has no effector '${effector}'`);
  }
}

/** An entity id that is already used in the tree. */
export class DuplicateEntityError extends HomeostatError {
  constructor(id: string) {
    super('E_DUPLICATE_ENTITY', `entity id '${id}' is already in the tree`);
  }
}

/** An effector run that exceeded its declared timeout. Retryable when the effector is idempotent. */
export class EffectorTimeoutError extends HomeostatError {
  constructor(effector: string, timeoutMs: number) {
    super('E_EFFECTOR_TIMEOUT', `effector '${effector}' timed out after ${timeoutMs} ms`, { retryable: true });
  }
}

/** An effector run that was aborted by its caller. Never retried. */
export class EffectorAbortedError extends HomeostatError {
  constructor(effector: string) {
    super('E_EFFECTOR_ABORTED', `effector '${effector}' was aborted`);
  }
}

/**
 * Thrown by an effector implementation to say that retrying cannot help (bad credentials, resource gone).
 * The invoker stops retrying at once.
 */
export class TerminalEffectorError extends HomeostatError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? 'E_EFFECTOR_TERMINAL', message, { retryable: false, cause: options.cause });
  }
}

/** Renders any thrown value as a one-line message for records and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
