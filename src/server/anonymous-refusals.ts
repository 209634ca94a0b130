/** Refusals of callers without a valid token audited one by one per window; the rest are counted. */
export const ANONYMOUS_REFUSALS_PER_WINDOW = 100;

/** The window of {@link ANONYMOUS_REFUSALS_PER_WINDOW} (ms): one minute. */
export const ANONYMOUS_REFUSALS_WINDOW_MS = 60_000;

/** What to do with one anonymous refusal: audit it or not, and the count of an earlier window to write first. */
export interface AnonymousRefusalVerdict {
  readonly audit: boolean;
  /** Refusals of the window that just ended that were counted, not audited (only when there were some). */
  readonly unaudited?: { readonly count: number; readonly sinceMs: number; readonly untilMs: number };
}

/**
 * Bounds how many audit entries callers without a valid token make: the audit log keeps its newest entries
 * only, so anyone able to reach the port could otherwise push out the trail of what callers with tokens did
 * (13,000 anonymous POSTs, 4.5 s, emptied a log of 10,000). The first `limit` refusals of each window are
 * audited; the rest are counted, and the count is handed over with the first refusal of a later window, to
 * be written as one entry.
 */
export class AnonymousRefusals {
  private windowStart = -Infinity;
  private admitted = 0;
  private counted = 0;

  /**
   * @param limit refusals audited per window (default {@link ANONYMOUS_REFUSALS_PER_WINDOW})
   * @param windowMs the window (ms; default one minute)
   * @param now wall clock (ms), injectable for tests
   */
  constructor(
    private readonly limit = ANONYMOUS_REFUSALS_PER_WINDOW,
    private readonly windowMs = ANONYMOUS_REFUSALS_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether to audit this refusal, and what an ended window left uncounted. */
  admit(): AnonymousRefusalVerdict {
    const now = this.now();
    let unaudited: AnonymousRefusalVerdict['unaudited'];
    if (now >= this.windowStart + this.windowMs) {
      if (this.counted > 0) unaudited = { count: this.counted, sinceMs: this.windowStart, untilMs: this.windowStart + this.windowMs };
      this.windowStart = now;
      this.admitted = 0;
      this.counted = 0;
    }
    const audit = this.admitted < this.limit;
    if (audit) this.admitted += 1;
    else this.counted += 1;
    return unaudited ? { audit, unaudited } : { audit };
  }
}
