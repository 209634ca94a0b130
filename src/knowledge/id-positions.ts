import type { BoundedLog } from './bounded-log.js';

/**
 * The positions of a bounded log's entries by id, for a log whose entries come and go at the loop's rate (a
 * store's decisions): an open-addressing hash table of numbers only, with no pointer to an entry or its id.
 *
 * A Map from id to entry would do the same, but a long-lived Map into which young records are set and from
 * which old ones are deleted at a high rate makes V8 pretenure the records' allocation sites (measured: 2.5 us
 * per record with a Map of 10,000 against 0.4 us without, the records then all made in old space and collected
 * by full collections); numbers in a typed array are nothing to the collector.
 *
 * A slot is two numbers: a position (plus one; 0 is empty) and the hash of its entry's id. A lookup reads an
 * entry (an old record, likely out of the processor's caches) only where the hashes match, and a rebuild takes
 * the hashes from the slots without reading an entry or hashing an id again. A slot whose position the log no
 * longer holds is stale: a lookup probes past it, an insert takes it again. Slots become empty again only when
 * the table is rebuilt, once half of them have been filled.
 */
export class IdPositions<T> {
  /** Two numbers per slot: `table[2s]` the position (plus one, from `base`), `table[2s + 1]` the id's hash. */
  private table: Int32Array;
  private mask: number;
  /** The position a slot's value counts from (positions grow for ever; a slot holds an int32). */
  private base = 0;
  /** Slots not empty (live or stale). */
  private filled = 0;

  constructor(
    private readonly log: BoundedLog<T>,
    private readonly idOf: (entry: T) => string,
  ) {
    // sized by what the log shows, not by its capacity: a store bound of millions (or none) costs nothing up front
    this.table = new Int32Array(2 * MIN_SIZE);
    this.mask = MIN_SIZE - 1;
  }

  /** The position of the entry with `id` while the log shows it; undefined otherwise. */
  find(id: string): number | undefined {
    return this.findHashed(id, hashOf(id));
  }

  /**
   * Writes `entry` to the log: in place of the entry with the same id while the log shows it (a coalesced
   * record's update keeps its place), appended otherwise.
   */
  write(entry: T): void {
    const id = this.idOf(entry);
    const hash = hashOf(id);
    const known = this.findHashed(id, hash);
    if (known !== undefined && this.log.replace(known, entry)) return;
    this.add(hash, this.log.append(entry));
  }

  private findHashed(id: string, hash: number): number | undefined {
    const { table, mask } = this;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const value = table[2 * slot] as number;
      if (value === 0) return undefined;
      if (table[2 * slot + 1] !== hash) continue;
      const position = this.base + value - 1;
      const entry = this.log.at(position);
      if (entry !== undefined && this.idOf(entry) === id) return position;
    }
  }

  /** Records that the entry whose id hashes to `hash` was appended at `position` (an id the log did not show before). */
  private add(hash: number, position: number): void {
    if (position - this.base >= MAX_OFFSET) return this.rebuild(position, hash);
    const { table, mask } = this;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const value = table[2 * slot] as number;
      if (value !== 0 && this.log.at(this.base + value - 1) !== undefined) continue;
      table[2 * slot] = position - this.base + 1;
      table[2 * slot + 1] = hash;
      if (value === 0 && ++this.filled > table.length / 4) this.rebuild(position, hash);
      return;
    }
  }

  /**
   * Empties the table and adds what the log shows (`added`, just appended with the id hashing to `addedHash`,
   * included), in a table of four slots per entry shown: probes stay short, and the next rebuild comes only after
   * many inserts. Every shown entry but `added` has a slot in the old table, with its hash.
   */
  private rebuild(added: number, addedHash: number): void {
    const shown = this.log.size;
    let size = MIN_SIZE;
    while (size < 4 * (shown + 1)) size *= 2;
    const old = this.table;
    const oldBase = this.base;
    const next = this.log.nextPosition;
    const table = new Int32Array(2 * size);
    const mask = size - 1;
    const base = next - shown;
    let filled = 0;
    const place = (position: number, hash: number): void => {
      let slot = hash & mask;
      while (table[2 * slot] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = position - base + 1;
      table[2 * slot + 1] = hash;
      filled++;
    };
    for (let slot = 0; slot < old.length; slot += 2) {
      const value = old[slot] as number;
      if (value === 0) continue;
      const position = oldBase + value - 1;
      // a stale slot (its position left the log), or the added entry's own slot (placed below, once)
      if (position < base || position === added || this.log.at(position) === undefined) continue;
      place(position, old[slot + 1] as number);
    }
    if (this.log.at(added) !== undefined) place(added, addedHash);
    this.table = table;
    this.mask = mask;
    this.base = base;
    this.filled = filled;
  }
}

/** The smallest table. */
const MIN_SIZE = 16;
/** How far past `base` a slot's value may count (an int32 holds it); further, the table is rebuilt on a new base. */
const MAX_OFFSET = 0x3fff_ffff;

/** @internal FNV-1a over the id's UTF-16 code units, as a signed 32-bit integer (what a slot of the table holds). */
export function hashOf(id: string): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash;
}
