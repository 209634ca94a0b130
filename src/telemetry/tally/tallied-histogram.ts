import { Histogram } from 'prom-client';
import { orderedLabels } from './labels.js';
import { HISTOGRAM_UPDATES, refuseUpdates } from './refuse-updates.js';
import type { TalliedConfiguration } from './tallied-values.js';

/**
 * One label set of a histogram, counted in place: a count per bucket in a Float64Array (the last slot
 * for observations above every bound), the sum and the count. Exposed once observed; a reset of its
 * metric zeroes it and hides it until the next observation.
 */
export class HistogramSeries {
  /** Observations per bucket, not cumulative: slot i for bounds[i-1] < v <= bounds[i], the last for v > every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  written = false;

  constructor(
    /** Label names to values, in the metric's label order. */
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: Float64Array,
    private readonly metric: string,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /**
   * Counts one observation.
   * @throws TypeError when `value` is not a finite number (as prom-client's `observe` does).
   */
  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.metric}: observed value is not a finite number: ${value}`);
    const bounds = this.bounds;
    let slot = 0;
    while (slot < bounds.length && value > (bounds[slot] as number)) slot++;
    (this.counts[slot] as number)++;
    this.sum += value;
    this.count++;
    this.written = true;
  }

  /** Back to zero, hidden until observed again. */
  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.written = false;
  }
}

/** @throws TypeError naming the metric when a bound is not finite or the bounds do not increase. */
function checkedBounds(metric: string, bounds: readonly number[]): number[] {
  bounds.forEach((bound, i) => {
    if (!Number.isFinite(bound) || (i > 0 && bound <= (bounds[i - 1] as number))) throw new TypeError(`${metric}: bucket bounds must be finite and increasing, got ${bounds.join(', ')}`);
  });
  return [...bounds];
}

/** A sample of a histogram as the registry formats it: the series' labels as shared labels, `le` apart. */
interface Sample {
  labels: Record<string, string | number>;
  sharedLabels: Readonly<Record<string, string>>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/**
 * A prom-client Histogram whose label sets are counted in {@link HistogramSeries} the owner keeps (no label
 * object per observation) and turned into cumulative `_bucket`, `_sum` and `_count` samples when the
 * registry is read, exactly as prom-client prints its own. Only series made by
 * {@link TalliedHistogram.series} are exported (prom-client's `observe`, `startTimer`, `labels`, `zero` and
 * `remove` throw); `reset()` zeroes and hides them all.
 */
export class TalliedHistogram<L extends string> extends Histogram<L> {
  private readonly table: HistogramSeries[] = [];
  private readonly names: readonly L[];
  private readonly bounds: readonly number[];
  private readonly boundsArray: Float64Array;

  /** @throws Error (from prom-client) when a label is named `le`; TypeError when a bound is not finite or bounds do not increase. */
  constructor(config: TalliedConfiguration<L> & { readonly buckets: readonly number[] }) {
    // checked before prom-client registers the metric: a refused one must not stay in the registry
    super({ ...config, labelNames: [...config.labelNames], buckets: checkedBounds(config.name, config.buckets) });
    this.names = config.labelNames;
    this.bounds = [...config.buckets];
    this.boundsArray = Float64Array.from(config.buckets);
    refuseUpdates(this, HISTOGRAM_UPDATES);
  }

  /**
   * A new series for one label set (the caller keeps it and observes into it); hidden until first observed.
   * @throws TypeError when the labels are not exactly the metric's label names with string values.
   */
  series(labels: Readonly<Record<L, string>>): HistogramSeries {
    const name = (this as unknown as { name: string }).name;
    const series = new HistogramSeries(orderedLabels(name, this.names, labels), this.boundsArray, name);
    this.table.push(series);
    return series;
  }

  /** The samples with `le` apart from the series' labels (what the registry's text format reads). */
  async getForPromString(): Promise<Awaited<ReturnType<Histogram<L>['get']>>> {
    const { name, help, type, aggregator } = this as unknown as { name: string; help: string; type: string; aggregator: string };
    const values: Sample[] = [];
    for (const series of this.table) {
      if (!series.written) continue;
      const shared = series.labels;
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.counts[i] as number;
        values.push({ labels: { le }, sharedLabels: shared, value: cumulative, metricName: `${name}_bucket`, exemplar: null });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: shared, value: series.count, metricName: `${name}_bucket`, exemplar: null },
        { labels: {}, sharedLabels: shared, value: series.sum, metricName: `${name}_sum`, exemplar: undefined },
        { labels: {}, sharedLabels: shared, value: series.count, metricName: `${name}_count`, exemplar: undefined },
      );
    }
    return { name, help, type, values, aggregator } as unknown as Awaited<ReturnType<Histogram<L>['get']>>;
  }

  /** The samples with every label on each (prom-client's `get()` shape: `le` first, then the series' labels). */
  override async get(): Promise<Awaited<ReturnType<Histogram<L>['get']>>> {
    const data = await this.getForPromString();
    const samples = data.values as unknown as Sample[];
    data.values = samples.map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })) as unknown as typeof data.values;
    return data;
  }

  override reset(): void {
    super.reset();
    // called by prom-client's constructor too, before this class' fields exist
    for (const series of this.table ?? []) series.clear();
  }
}
