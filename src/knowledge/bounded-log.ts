/**
 * An append-only log that keeps the newest `capacity` entries. Trimming happens in chunks so that appends
 * stay O(1) amortized.
 */
export class BoundedLog<T> {
  private readonly entries: T[] = [];

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
  }

  /** Appends `entry`; calls `onDropped` with the entries a trim let go (oldest first), when one happens. */
  append(entry: T, onDropped?: (dropped: readonly T[]) => void): void {
    this.entries.push(entry);
    if (this.entries.length <= this.capacity * 1.25 + 16) return;
    // a whole number of entries, for a capacity that is not one too (an array's length must be whole)
    const cut = Math.trunc(this.entries.length - this.capacity);
    if (onDropped) onDropped(this.entries.slice(0, cut));
    // trimmed in place: a new array per trim, grown again by the appends after it, was garbage at every trim
    this.entries.copyWithin(0, cut);
    this.entries.length -= cut;
  }

  get size(): number {
    return Math.min(this.entries.length, this.capacity);
  }

  /** Newest first, filtered, at most `limit`. */
  newestFirst(predicate: (entry: T) => boolean, limit: number): T[] {
    const out: T[] = [];
    const oldest = Math.max(0, this.entries.length - this.capacity);
    for (let i = this.entries.length - 1; i >= oldest && out.length < limit; i--) {
      const entry = this.entries[i] as T;
      if (predicate(entry)) out.push(entry);
    }
    return out;
  }
}
