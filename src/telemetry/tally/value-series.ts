/**
 * One label set of a counter or gauge, counted in place: its labels object is built once, when the label
 * set first occurs, so the hot path adds to a number instead of building and hashing a label object.
 * A series is exposed once it has been written (as prom-client shows a label set once it is first used);
 * a reset of its metric zeroes it and hides it until the next write.
 */
export class ValueSeries {
  /** The running total (counter) or the latest value (gauge). */
  value = 0;
  /** Whether a scrape shows it: written since it was made or since its metric was reset. */
  written = false;
  /** The latest trace id counted on this series (its OpenMetrics exemplar), or undefined. */
  exemplarTraceId: string | undefined = undefined;
  /** Wall-clock time the exemplar was recorded, in seconds (as prom-client stamps its own). */
  exemplarTimestamp = 0;

  constructor(
    /** Label names to values, in the metric's label order (the order the exposition prints them). */
    readonly labels: Readonly<Record<string, string>>,
  ) {}

  /** Adds `amount` (>= 0) to a counter's total. */
  add(amount: number): void {
    this.value += amount;
    this.written = true;
  }

  /** Sets a gauge's value. */
  set(value: number): void {
    this.value = value;
    this.written = true;
  }

  /** Keeps `traceId` as this series' exemplar, stamped now; two fields rather than an object per decision. */
  exemplify(traceId: string): void {
    this.exemplarTraceId = traceId;
    this.exemplarTimestamp = Date.now() / 1000;
  }

  /** Back to zero, hidden until written again. */
  clear(): void {
    this.value = 0;
    this.written = false;
    this.exemplarTraceId = undefined;
  }
}
