/**
 * An append-only log that keeps the newest `capacity` entries. Trimming happens in chunks so that appends
 * stay O(1) amortized. Each entry has a position (0 for the first ever appended, counting on across trims),
 * by which it can be read or replaced while the log holds it.
 */
export class BoundedLog<T> {
  private readonly entries: T[] = [];
  /** Entries trimmed off the front since the start: the position of `entries[0]`. */
  private trimmed = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
  }

  /** Appends `entry`; returns its position. */
  append(entry: T): number {
    const position = this.trimmed + this.entries.length;
    this.entries.push(entry);
    if (this.entries.length > this.capacity * 1.25 + 16) this.trim();
    return position;
  }

  /** Drops what is past the capacity, in place: a new array per trim, grown again by the appends after it, was garbage at every trim. */
  private trim(): void {
    // a whole number of entries, for a capacity that is not one too (an array's length must be whole)
    const cut = Math.trunc(this.entries.length - this.capacity);
    this.entries.copyWithin(0, cut);
    this.entries.length -= cut;
    this.trimmed += cut;
  }

  get size(): number {
    return Math.min(this.entries.length, this.capacity);
  }

  /** The position the next entry will take. */
  get nextPosition(): number {
    return this.trimmed + this.entries.length;
  }

  /** The entry at `position` while it is among the newest `capacity` (what queries see); undefined otherwise. */
  at(position: number): T | undefined {
    const index = this.indexOf(position);
    return index < 0 ? undefined : this.entries[index];
  }

  /** Replaces the entry at `position`, keeping its place; false (nothing done) when it is not among the newest `capacity`. */
  replace(position: number, entry: T): boolean {
    const index = this.indexOf(position);
    if (index < 0) return false;
    this.entries[index] = entry;
    return true;
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

  /** The array index of `position` when it is among the newest `capacity`; -1 otherwise. */
  private indexOf(position: number): number {
    const index = position - this.trimmed;
    const length = this.entries.length;
    return Number.isInteger(index) && index < length && index >= 0 && index >= length - this.capacity ? index : -1;
  }
}
