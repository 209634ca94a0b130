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
 * A slot holds a position (plus one; 0 is empty). A slot whose position the log no longer holds is stale: a
 * lookup probes past it, an insert takes it again. Slots become empty again only when the table is rebuilt
 * from the log, once half of them have been filled.
 */
export class IdPositions<T> {
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
    this.table = new Int32Array(MIN_SIZE);
    this.mask = MIN_SIZE - 1;
  }

  /** The position of the entry with `id` while the log shows it; undefined otherwise. */
  find(id: string): number | undefined {
    const { table, mask } = this;
    for (let slot = hashOf(id) & mask; ; slot = (slot + 1) & mask) {
      const value = table[slot] as number;
      if (value === 0) return undefined;
      const position = this.base + value - 1;
      const entry = this.log.at(position);
      if (entry !== undefined && this.idOf(entry) === id) return position;
    }
  }

  /**
   * Writes `entry` to the log: in place of the entry with the same id while the log shows it (a coalesced
   * record's update keeps its place), appended otherwise.
   */
  write(entry: T): void {
    const id = this.idOf(entry);
    const known = this.find(id);
    if (known !== undefined && this.log.replace(known, entry)) return;
    this.add(id, this.log.append(entry));
  }

  /** Records that the entry with `id` was appended at `position` (an id the log did not show before). */
  private add(id: string, position: number): void {
    if (position - this.base >= MAX_OFFSET) return this.rebuild();
    const { table, mask } = this;
    for (let slot = hashOf(id) & mask; ; slot = (slot + 1) & mask) {
      const value = table[slot] as number;
      if (value !== 0 && this.log.at(this.base + value - 1) !== undefined) continue;
      table[slot] = position - this.base + 1;
      if (value === 0 && ++this.filled > table.length / 2) this.rebuild();
      return;
    }
  }

  /**
   * Empties the table and adds what the log shows (the entry just appended included), in a table of four slots
   * per entry shown: probes stay short, and the next rebuild comes only after many inserts.
   */
  private rebuild(): void {
    const shown = this.log.size;
    let size = MIN_SIZE;
    while (size < 4 * (shown + 1)) size *= 2;
    if (size === this.table.length) this.table.fill(0);
    else this.table = new Int32Array(size);
    this.mask = size - 1;
    this.filled = 0;
    const next = this.log.nextPosition;
    this.base = next - shown;
    const { table, mask } = this;
    for (let position = this.base; position < next; position++) {
      const entry = this.log.at(position);
      if (entry === undefined) continue;
      let slot = hashOf(this.idOf(entry)) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = position - this.base + 1;
      this.filled++;
    }
  }
}

/** The smallest table. */
const MIN_SIZE = 16;
/** How far past `base` a slot's value may count (an int32 holds it); further, the table is rebuilt on a new base. */
const MAX_OFFSET = 0x3fff_ffff;

/** FNV-1a over the id's UTF-16 code units. */
function hashOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
