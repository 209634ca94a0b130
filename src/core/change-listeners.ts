/** One registered listener: `key` undefined hears every change, an entity only changes under or of it. */
interface Listener<K, C> {
  readonly order: number;
  readonly key: K | undefined;
  readonly hear: (change: C) => void;
  closed: boolean;
}

/**
 * The listeners of a tree's structural changes, each hearing every change or only the changes of one entity
 * (its children or members come and go). A change goes to the listeners of every change and to those of
 * its entity, all in the order they registered, as if they had all subscribed to one stream; but a change
 * costs O(listeners it concerns), not O(all listeners), so a tree with an enricher on each of n entities
 * no longer makes each change O(n) and a burst of n changes O(n^2).
 *
 * Like an RxJS Subject: a listener added while a change is delivered hears the next one, not this one, and
 * one removed while a change is delivered hears nothing more, not even the rest of it. Lists are
 * copy-on-write, so delivering a change copies nothing.
 */
export class ChangeListeners<K, C> {
  private sequence = 0;
  private everything: ReadonlyArray<Listener<K, C>> = [];
  private readonly byKey = new Map<K, ReadonlyArray<Listener<K, C>>>();
  /** Changes being delivered now, by key (only keys with listeners of their own). */
  private readonly delivering = new Map<K, number>();

  /** Registers `hear` for every change (key undefined) or for the changes of `key`; returns its removal. */
  add(key: K | undefined, hear: (change: C) => void): () => void {
    const listener: Listener<K, C> = { order: this.sequence++, key, hear, closed: false };
    if (key === undefined) this.everything = [...this.everything, listener];
    else this.byKey.set(key, [...(this.byKey.get(key) ?? []), listener]);
    return () => this.remove(listener);
  }

  /**
   * How many changes of `key` are being delivered right now (nested when a listener makes another change of
   * it): a listener that counts the changes as it hears them knows it may not have heard one of them yet.
   */
  deliveringOf(key: K): number {
    return this.delivering.get(key) ?? 0;
  }

  /** Delivers `change` to the listeners of every change and to those of `key`, in the order they registered. */
  deliver(change: C, key: K | undefined): void {
    const keyed = key === undefined ? undefined : this.byKey.get(key);
    if (!keyed || key === undefined) return this.deliverTo(change, keyed);
    this.delivering.set(key, (this.delivering.get(key) ?? 0) + 1);
    try {
      this.deliverTo(change, keyed);
    } finally {
      const left = (this.delivering.get(key) ?? 1) - 1;
      if (left === 0) this.delivering.delete(key);
      else this.delivering.set(key, left);
    }
  }

  private deliverTo(change: C, keyed: ReadonlyArray<Listener<K, C>> | undefined): void {
    const all = this.everything;
    if (!keyed) {
      for (const listener of all) if (!listener.closed) listener.hear(change);
      return;
    }
    let i = 0;
    let j = 0;
    while (i < all.length || j < keyed.length) {
      const a = all[i];
      const b = keyed[j];
      const next = b === undefined || (a !== undefined && a.order < b.order) ? (i++, a) : (j++, b);
      if (next && !next.closed) next.hear(change);
    }
  }

  private remove(listener: Listener<K, C>): void {
    if (listener.closed) return;
    listener.closed = true;
    if (listener.key === undefined) {
      this.everything = this.everything.filter((l) => l !== listener);
      return;
    }
    const rest = (this.byKey.get(listener.key) ?? []).filter((l) => l !== listener);
    if (rest.length === 0) this.byKey.delete(listener.key);
    else this.byKey.set(listener.key, rest);
  }
}
