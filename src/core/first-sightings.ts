/**
 * Remembers which keys were seen, so something said about each (a warning) is said once, not on every request
 * that meets it again. Bounded: past `max` keys it forgets them all and starts over, so a stream of new keys
 * never grows it without end (a key forgotten is said once more).
 */
export class FirstSightings {
  private readonly seen = new Set<string>();

  /** @param max keys remembered at most; default 1,000 */
  constructor(private readonly max = 1_000) {}

  /** True the first time `key` is given (again after the set was cleared); false after. */
  first(key: string): boolean {
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.max) this.seen.clear();
    this.seen.add(key);
    return true;
  }
}
