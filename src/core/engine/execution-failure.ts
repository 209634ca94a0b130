import type { Decision } from '../../knowledge/decision.js';
import { InvocationFailedError } from '../../effectors/invoker.js';
import { HomeostatError, describeError } from '../errors.js';
import { RunbookFailedError } from './runbook.js';
import { EngineStoppedError } from './stop-abort.js';

/** The detail of a plan a standby planned warm but must not act on. */
export const NOT_ACTING = 'not acting: this instance holds no valid lease (a standby, or a leader whose lease lapsed); the lease holder acts';

/** How an execution that threw is recorded: its outcome, detail and error. */
export interface ExecutionFailure {
  readonly outcome: 'failed' | 'suspended';
  readonly detail: string;
  readonly error?: NonNullable<Decision['error']>;
}

/**
 * What an execution's failure records: a stop's abort as `failed` with E_ENGINE_STOPPED; a refusal to act
 * without the lease as `suspended` (a standby plans warm, not a failure of the plan); anything else as
 * `failed` with the code of what failed (e.g. E_INSUFFICIENT_CAPACITY), not of the wrapper, so policies can
 * learn from it.
 */
export function executionFailure(error: unknown, signal: AbortSignal): ExecutionFailure {
  if (signal.aborted && signal.reason instanceof EngineStoppedError) {
    return { outcome: 'failed', error: { code: signal.reason.code, message: signal.reason.message }, detail: signal.reason.message };
  }
  const cause = error instanceof RunbookFailedError ? error.cause : error;
  const root = cause instanceof InvocationFailedError ? cause.cause : cause;
  const code = root instanceof HomeostatError ? root.code : cause instanceof HomeostatError ? cause.code : 'E_EFFECTOR_FAILED';
  if (code === 'E_NOT_LEADER') return { outcome: 'suspended', detail: `${NOT_ACTING}${cause instanceof Error && cause.message.includes('handed to') ? ` (${cause.message})` : ''}` };
  return { outcome: 'failed', error: { code, message: describeError(cause) }, detail: describeError(error) };
}
