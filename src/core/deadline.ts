/**
 * A moment by which something must be done, fixed once: every step that shares it gets the time left
 * (`leftMs`), so steps that run one after another never add their bounds up past it.
 */
export class Deadline {
  private constructor(
    /** When it passes, on `now`'s clock (ms). */
    readonly at: number,
    private readonly now: () => number,
  ) {}

  /**
   * The deadline `ms` from now.
   * @param now the clock (ms); default the monotonic `performance.now()`, which no change of the wall clock moves
   * @throws RangeError when `ms` is negative or not a finite number
   */
  static in(ms: number, now: () => number = () => performance.now()): Deadline {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a deadline must be a finite number of ms from now, at least 0, not ${ms}`);
    return new Deadline(now() + ms, now);
  }

  /** The time left until it passes, in whole ms (rounded), 0 once it has passed: a bound to give the next step. */
  leftMs(): number {
    return Math.max(0, Math.round(this.at - this.now()));
  }

  /** True once it has passed. */
  passed(): boolean {
    return this.leftMs() === 0;
  }
}
