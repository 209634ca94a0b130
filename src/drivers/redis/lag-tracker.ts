/** One sample of a primary's replication offset. */
interface Sample {
  readonly at: number;
  readonly offset: number;
}

/**
 * Turns offsets into a replication lag in seconds: how long ago the primary had first written past what the
 * replica has processed. It keeps a short history of the primary's offset (time, bytes); a replica at offset
 * R lags by (time the primary was last seen) - (time of the first sample with an offset above R). When the
 * primary stops answering the history stops growing, so the lag stays what it was when it was last seen
 * (what the replica lacks of the primary's last known writes), as Patroni judges a replica against the
 * leader's last known position.
 */
export class LagTracker {
  private samples: Sample[] = [];
  private primary: string | undefined;
  private lastAt = 0;

  /** @param horizonMs how much history to keep (ms); lags beyond it are reported as at least the horizon */
  constructor(private readonly horizonMs = 120_000) {}

  /** Records the primary's offset at `at` (ms); a different primary starts a new history. */
  record(primary: string, offset: number, at: number): void {
    if (primary !== this.primary) {
      this.primary = primary;
      this.samples = [];
    }
    this.lastAt = at;
    const last = this.samples[this.samples.length - 1];
    // an offset that goes back means the primary restarted or was replaced: its old history no longer applies
    if (last && offset < last.offset) this.samples = [];
    // each sample is the first time an offset was seen, so the lag counts from when a write was first visible
    if (!last || offset !== last.offset) this.samples.push({ at, offset });
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) < at - this.horizonMs) this.samples.shift();
  }

  /** The primary whose offsets are recorded, if any. */
  get primaryAddress(): string | undefined {
    return this.primary;
  }

  /** The primary's last recorded offset (bytes), if any. */
  get primaryOffset(): number | undefined {
    return this.samples[this.samples.length - 1]?.offset;
  }

  /** Lag (seconds) of a replica at `offset`; undefined before any sample of the primary. */
  lagSeconds(offset: number): number | undefined {
    const last = this.samples[this.samples.length - 1];
    if (!last) return undefined;
    if (offset >= last.offset) return 0;
    const first = this.samples.find((s) => s.offset > offset) ?? last;
    return Math.max(0, (this.lastAt - first.at) / 1000);
  }
}
