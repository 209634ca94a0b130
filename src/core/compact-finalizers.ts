import type { Subscription } from 'rxjs';

/** Lists longer than this are left alone: only the common short list is worth a copy. */
const SHORT = 4;

/** Where RxJS 7 keeps a subscription's finalizers (null or absent until the first is added). */
interface FinalizerList {
  _finalizers?: unknown[] | null;
}

/**
 * Gives a subscription's list of finalizers an array of its exact length.
 *
 * RxJS 7 starts that list as `[]` and pushes onto it, which reserves 17 slots (184 bytes) for the one or
 * two finalizers nearly every subscription holds; a million policies hold several million of them. Only the
 * array is replaced by an equal one: what runs on unsubscribe, and in which order, does not change. When the
 * list is not where RxJS 7 keeps it, this does nothing. A list made by `reserveFinalizer` that still holds
 * at most the one finalizer it has room for is left as it is (it is already exact).
 */
export function compactFinalizers(subscription: Subscription, reserved?: readonly unknown[]): void {
  const internals = subscription as unknown as FinalizerList;
  const list = internals._finalizers;
  if (reserved !== undefined && list === reserved && list.length <= 1) return;
  if (Array.isArray(list) && list.length <= SHORT) internals._finalizers = list.slice();
}

/**
 * Gives a subscription without finalizers an empty list with room for one, so that the first finalizer
 * added does not grow a list of 17 slots that `compactFinalizers` then copies (a million started policies
 * made 184 bytes of garbage each). An empty list runs nothing, as no list does. Returns the list, for
 * `compactFinalizers`; undefined when the subscription has finalizers already or RxJS keeps them elsewhere.
 */
export function reserveFinalizer(subscription: Subscription): readonly unknown[] | undefined {
  const internals = subscription as unknown as FinalizerList;
  if (!('_finalizers' in internals) || internals._finalizers != null) return undefined;
  // an array of one slot, emptied: popping the last element keeps its room (V8 shrinks only larger arrays)
  const list: unknown[] = [undefined];
  list.pop();
  internals._finalizers = list;
  return list;
}
