import type { Subscription } from 'rxjs';

/** Lists longer than this are left alone: only the common short list is worth a copy. */
const SHORT = 4;

/**
 * Gives a subscription's list of finalizers an array of its exact length.
 *
 * RxJS 7 starts that list as `[]` and pushes onto it, which reserves 17 slots (184 bytes) for the one or
 * two finalizers nearly every subscription holds; a million policies hold several million of them. Only the
 * array is replaced by an equal one: what runs on unsubscribe, and in which order, does not change. When the
 * list is not where RxJS 7 keeps it, this does nothing.
 */
export function compactFinalizers(subscription: Subscription): void {
  const internals = subscription as unknown as { _finalizers?: unknown };
  const list = internals._finalizers;
  if (Array.isArray(list) && list.length <= SHORT) internals._finalizers = list.slice();
}
