/**
 * An append-only log that keeps the newest `capacity` entries, in a ring: once full, each append takes the
 * place of the oldest entry, so an append costs the same whatever the capacity (no entries moved, nothing
 * allocated). The ring grows with the appends up to its capacity, so a large bound (or none: Infinity) costs
 * nothing up front. Each entry has a position (0 for the first ever appended, counting on), by which it can
 * be read or replaced while the log holds it.
 */
export class BoundedLog<T> {
  private readonly entries: T[] = [];
  /** Entries kept at most: the capacity's whole part (a bound from a config may not be whole). */
  private readonly ring: number;
  /** Entries appended since the start: the position of the next one. */
  private appended = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
    this.ring = Math.floor(capacity);
  }

  /** Appends `entry`; returns its position. */
  append(entry: T): number {
    const position = this.appended++;
    // below the capacity the ring is still growing and the entry's index is its position (x % Infinity is x)
    if (position < this.ring) this.entries.push(entry);
    else this.entries[position % this.ring] = entry;
    return position;
  }

  get size(): number {
    return Math.min(this.appended, this.ring);
  }

  /** The position the next entry will take. */
  get nextPosition(): number {
    return this.appended;
  }

  /** The entry at `position` while it is among the newest `capacity` (what queries see); undefined otherwise. */
  at(position: number): T | undefined {
    return this.holds(position) ? this.entries[position % this.ring] : undefined;
  }

  /** Replaces the entry at `position`, keeping its place; false (nothing done) when it is not among the newest `capacity`. */
  replace(position: number, entry: T): boolean {
    if (!this.holds(position)) return false;
    this.entries[position % this.ring] = entry;
    return true;
  }

  /** Newest first, filtered, at most `limit`. */
  newestFirst(predicate: (entry: T) => boolean, limit: number): T[] {
    const out: T[] = [];
    const oldest = this.appended - this.size;
    for (let position = this.appended - 1; position >= oldest && out.length < limit; position--) {
      const entry = this.entries[position % this.ring] as T;
      if (predicate(entry)) out.push(entry);
    }
    return out;
  }

  /** Whether `position` is a whole position among the newest `capacity`. */
  private holds(position: number): boolean {
    return Number.isInteger(position) && position < this.appended && position >= this.appended - this.ring && position >= 0;
  }
}
