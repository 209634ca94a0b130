import { HomeostatError } from '../errors.js';
import type { QuotaNumbers } from './quota-check.js';

/**
 * An operation refused because it would exceed a quota (an API invocation past a subtree's or tenant's
 * concurrent operations): the detail says which quota and the numbers; `decision` is the id of the
 * `quota_exceeded` Decision recorded for it. Not retryable as is: it may pass once running operations end.
 */
export class QuotaExceededError extends HomeostatError {
  constructor(
    message: string,
    /** The numbers of the verdict: quota, what it counts, used, requested, limit. */
    readonly numbers: QuotaNumbers,
    /** The id of the Decision recorded for the refusal. */
    readonly decision: string,
  ) {
    super('E_QUOTA_EXCEEDED', message);
  }
}
