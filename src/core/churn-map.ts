/** The mark of a key whose entry was deleted and whose slot is kept for its next use. */
const FREE: unique symbol = Symbol('free');

/**
 * A map for keys that are set and deleted at a high rate, most of them again and again (an entity held by a
 * plan, then released; an invocation's claim on its entity): a deleted key keeps its slot, marked free, so
 * setting it again writes in place. A plain Map rehashes into a new table every few set-and-delete turns,
 * which in the loop is an allocation at every decision. Free slots are let go all at once when more than
 * `maxFree` of them gather (keys that never come back: removed entities), so the map holds at most that many
 * entries beyond its live ones. Reads see only live entries; `size` counts them. Values are never undefined
 * (undefined reads as no entry).
 */
export class ChurnMap<K, V> {
  private readonly entries = new Map<K, V | typeof FREE>();
  private live = 0;
  private free = 0;

  constructor(private readonly maxFree = 4_096) {}

  /** The live entries. */
  get size(): number {
    return this.live;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    return value === FREE ? undefined : value;
  }

  has(key: K): boolean {
    const value = this.entries.get(key);
    return value !== undefined && value !== FREE;
  }

  set(key: K, value: V): void {
    const before = this.entries.get(key);
    if (before === FREE) this.free--;
    if (before === undefined || before === FREE) this.live++;
    this.entries.set(key, value);
  }

  /** Deletes `key`'s entry (its slot kept, marked free); false when it had none. */
  delete(key: K): boolean {
    const before = this.entries.get(key);
    if (before === undefined || before === FREE) return false;
    this.live--;
    this.entries.set(key, FREE);
    if (++this.free > this.maxFree) this.letFreeSlotsGo();
    return true;
  }

  /** The live values, in insertion order of their keys. */
  *values(): IterableIterator<V> {
    for (const value of this.entries.values()) if (value !== FREE) yield value;
  }

  private letFreeSlotsGo(): void {
    for (const [key, value] of this.entries) if (value === FREE) this.entries.delete(key);
    this.free = 0;
  }
}
