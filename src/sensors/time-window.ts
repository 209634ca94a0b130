import type { Reading } from './reading.js';

/** Statistics of a time window: the time-weighted mean and how much of the window the data covers. */
export interface WindowMean {
  readonly mean: number;
  /** Fraction of the window (0..1) for which there is data. */
  readonly coverage: number;
}

/**
 * A sliding window of numeric readings. Each reading holds until the next one (a step function), so the
 * mean is time-weighted: a value that held for 50 s weighs five times one that held for 10 s.
 */
export class TimeWindow {
  private readings: Reading<number>[] = [];

  /** @param windowMs the window length (ms) */
  constructor(readonly windowMs: number) {
    if (!(windowMs > 0)) throw new RangeError(`window must be positive, got ${windowMs} ms`);
  }

  /** Adds a reading (readings must arrive in time order; an older one is ignored). */
  add(reading: Reading<number>): void {
    const last = this.readings[this.readings.length - 1];
    if (last && reading.at < last.at) return;
    this.readings.push(reading);
  }

  /** Drops readings that no longer affect the window ending at `now` (keeps the one holding at its start). */
  trim(now: number): void {
    const start = now - this.windowMs;
    let firstInside = this.readings.findIndex((r) => r.at > start);
    if (firstInside === -1) firstInside = this.readings.length;
    if (firstInside > 1) this.readings = this.readings.slice(firstInside - 1);
  }

  /** Time-weighted mean over the covered part of the window ending at `now`; undefined when empty. */
  mean(now: number): WindowMean | undefined {
    this.trim(now);
    const first = this.readings[0];
    if (!first) return undefined;
    const start = now - this.windowMs;
    const coveredFrom = Math.max(start, first.at);
    const covered = now - coveredFrom;
    if (covered <= 0) return { mean: (this.readings[this.readings.length - 1] as Reading<number>).value, coverage: 0 };
    let weighted = 0;
    for (let i = 0; i < this.readings.length; i++) {
      const r = this.readings[i] as Reading<number>;
      const from = Math.max(coveredFrom, r.at);
      const to = Math.min(now, this.readings[i + 1]?.at ?? now);
      if (to > from) weighted += r.value * (to - from);
    }
    return { mean: weighted / covered, coverage: Math.min(1, covered / this.windowMs) };
  }

  /** The values of readings taken inside the window ending at `now` (not time-weighted). */
  samples(now: number): number[] {
    const start = now - this.windowMs;
    return this.readings.filter((r) => r.at >= start && r.at <= now).map((r) => r.value);
  }
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; undefined when empty. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}
