/** Refusals of callers without a valid token audited one by one per window; the rest are counted. */
export const ANONYMOUS_REFUSALS_PER_WINDOW = 100;

/** The window of {@link ANONYMOUS_REFUSALS_PER_WINDOW} (ms): one minute. */
export const ANONYMOUS_REFUSALS_WINDOW_MS = 60_000;

/** Refusals that were counted, not audited: how many, from when to when (ms). */
export interface UnauditedRefusals {
  readonly count: number;
  readonly sinceMs: number;
  readonly untilMs: number;
}

/** What to do with one anonymous refusal: audit it or not, and the count of an earlier window to write first. */
export interface AnonymousRefusalVerdict {
  readonly audit: boolean;
  /** Refusals of the window that just ended that were counted, not audited (only when there were some). */
  readonly unaudited?: UnauditedRefusals;
  /** True for the first refusal of its window that is counted rather than audited (its count is pending). */
  readonly firstCounted?: boolean;
}

/**
 * Bounds how many audit entries callers without a valid token make: the audit log keeps its newest entries
 * only, so anyone able to reach the port could otherwise push out the trail of what callers with tokens did
 * (13,000 anonymous POSTs, 4.5 s, emptied a log of 10,000). The first `limit` refusals of each window are
 * audited; the rest are counted, and the count is handed over to be written as one entry: with the first
 * refusal of a later window, or taken when the window has ended (`takeEnded`), or at a stop (`takeAll`).
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
    const firstCounted = !audit && this.counted === 1;
    return { audit, ...(unaudited ? { unaudited } : {}), ...(firstCounted ? { firstCounted } : {}) };
  }

  /** When the current window ends (ms, on the clock given). */
  get windowEndsAt(): number {
    return this.windowStart + this.windowMs;
  }

  /** The count of a window that has ended by now, if one was counted; taken, so it is handed over once. */
  takeEnded(): UnauditedRefusals | undefined {
    if (this.counted === 0 || this.now() < this.windowEndsAt) return undefined;
    return this.take(this.windowEndsAt);
  }

  /** The count so far, its window ended or not (a stopping service writes it); taken. */
  takeAll(): UnauditedRefusals | undefined {
    if (this.counted === 0) return undefined;
    return this.take(Math.min(this.now(), this.windowEndsAt));
  }

  private take(untilMs: number): UnauditedRefusals {
    const taken = { count: this.counted, sinceMs: this.windowStart, untilMs };
    this.counted = 0;
    return taken;
  }
}
