/** The mark of a key whose entry was deleted and whose slot is kept for its next use. */
const FREE: unique symbol = Symbol('free');

/** Whether a key whose entry was deleted may be set again (an entity still in the tree): its slot is then kept. */
export type MayComeBack<K> = (key: K) => boolean;

const NEVER: MayComeBack<unknown> = () => false;

/**
 * A map for keys that are set and deleted at a high rate, most of them again and again (an entity held by a
 * plan, then released; an invocation's claim on its entity): a deleted key keeps its slot, marked free, so
 * setting it again writes in place. A plain Map rehashes into a new table every few set-and-delete turns,
 * which in the loop is an allocation at every decision.
 *
 * Free slots are swept once as many deletes as there were slots after the last sweep have passed (and at
 * least `minSweepEvery`): a sweep lets go the free slots of keys that will not come back, as `mayComeBack`
 * tells (an entity removed from the tree), and keeps the rest. So 100,000 entities each held once in a pass
 * keep their slots, where a fixed bound on free slots would let most of them go and take them again at every
 * pass; the map holds its live entries, the free slots of keys that may come back, and the slots freed since
 * the last sweep; and a sweep walks the slots once per as many deletes (constant work per delete). Without
 * `mayComeBack`, every free slot is let go at each sweep. Reads see only live entries; `size` counts them.
 * Values are never undefined (undefined reads as no entry).
 */
export class ChurnMap<K, V> {
  private readonly entries = new Map<K, V | typeof FREE>();
  private live = 0;
  private deletesSinceSweep = 0;
  private slotsAfterSweep = 0;

  constructor(
    private readonly mayComeBack: MayComeBack<K> = NEVER,
    private readonly minSweepEvery = 4_096,
  ) {}

  /** The live entries. */
  get size(): number {
    return this.live;
  }

  /** The slots held, live or free (for tests of what is let go). */
  get slots(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    return value === FREE ? undefined : value;
  }

  has(key: K): boolean {
    const value = this.entries.get(key);
    return value !== undefined && value !== FREE;
  }

  /** Sets `key`'s entry; true when the key had no slot (one was made), false when its slot was reused or its value replaced. */
  set(key: K, value: V): boolean {
    const before = this.entries.get(key);
    if (before === undefined || before === FREE) this.live++;
    this.entries.set(key, value);
    return before === undefined;
  }

  /** Deletes `key`'s entry (its slot kept, marked free); false when it had none. */
  delete(key: K): boolean {
    const before = this.entries.get(key);
    if (before === undefined || before === FREE) return false;
    this.live--;
    this.entries.set(key, FREE);
    if (++this.deletesSinceSweep > this.minSweepEvery && this.deletesSinceSweep > this.slotsAfterSweep) this.sweep();
    return true;
  }

  /** The live values, in insertion order of their keys. */
  *values(): IterableIterator<V> {
    for (const value of this.entries.values()) if (value !== FREE) yield value;
  }

  /** Lets go the free slots of keys that will not come back. */
  private sweep(): void {
    // forEach rather than for-of: no [key, value] array per slot (a sweep walks every slot)
    this.entries.forEach((value, key, entries) => {
      if (value === FREE && !this.mayComeBack(key)) entries.delete(key);
    });
    this.deletesSinceSweep = 0;
    this.slotsAfterSweep = this.entries.size;
  }
}
