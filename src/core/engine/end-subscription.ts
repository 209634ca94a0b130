import { UnsubscriptionError, type Unsubscribable } from 'rxjs';

/** What ending a subscription threw: a policy's own finalizer (closing a client it already closed, say). */
export interface TeardownFailure {
  readonly error: unknown;
}

/**
 * Unsubscribes, and hands back what a finalizer threw instead of throwing it. RxJS runs every finalizer of the
 * subscription before it throws (the subscription is closed either way), then throws an `UnsubscriptionError`
 * wrapping the failures: thrown out of a fault or a stop, it took the place of the fault it was recording, left
 * a reconfigured policy stopped for good, or ended the process. The error is unwrapped when it wraps one.
 */
export function endSubscription(subscription: Unsubscribable | undefined): TeardownFailure | undefined {
  if (subscription === undefined) return undefined;
  try {
    subscription.unsubscribe();
    return undefined;
  } catch (error) {
    return { error: error instanceof UnsubscriptionError && error.errors.length === 1 ? error.errors[0] : error };
  }
}
