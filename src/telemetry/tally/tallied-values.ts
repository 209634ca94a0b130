import { Counter, Gauge, type Registry, type RegistryContentType } from 'prom-client';
import { orderedLabels } from './labels.js';
import { COUNTER_UPDATES, GAUGE_UPDATES, refuseUpdates } from './refuse-updates.js';
import { ValueSeries } from './value-series.js';

/** What a tallied metric is made with: prom-client's own configuration, less `collect`. */
export interface TalliedConfiguration<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly registers: Registry<RegistryContentType>[];
  readonly enableExemplars?: boolean;
  /** How prom-client's AggregatorRegistry combines the workers' values of a series (default `sum`). */
  readonly aggregator?: 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit';
}

/**
 * The header prom-client reads from a metric: taken from the metric object at read time, because an
 * OpenMetrics registry renames counters (drops `_total`) on the object itself before reading them.
 */
function header(metric: object): { name: string; help: string; type: string; aggregator: string } {
  const { name, help, type, aggregator } = metric as { name: string; help: string; type: string; aggregator: string };
  return { name, help, type, aggregator };
}

/** The written series as prom-client values: fresh objects, so a reader may change them freely. */
function valuesOf(table: readonly ValueSeries[]): { value: number; labels: Record<string, string>; exemplar?: { labelSet: { traceId: string }; value: number; timestamp: number } }[] {
  const values = [];
  for (const series of table) {
    if (!series.written) continue;
    const value = { value: series.value, labels: { ...series.labels } };
    // prom-client's exemplar of an increment by 1: value 1, stamped when it was counted
    values.push(series.exemplarTraceId === undefined ? value : { ...value, exemplar: { labelSet: { traceId: series.exemplarTraceId }, value: 1, timestamp: series.exemplarTimestamp } });
  }
  return values;
}

/**
 * A prom-client Counter whose label sets are counted in {@link ValueSeries} the owner keeps (found by its own
 * keys, no label object per increment) and read when the registry is read. It registers, renames and exports
 * like any Counter; its series are only those made by {@link TalliedCounter.series}: prom-client's own `inc`,
 * `labels` and `remove` on it throw (they would never be exported). `reset()` (as `registry.resetMetrics()` calls it) zeroes and hides every series.
 */
export class TalliedCounter<L extends string> extends Counter<L> {
  private readonly table: ValueSeries[] = [];
  private readonly names: readonly L[];

  constructor(config: TalliedConfiguration<L>) {
    super({ ...config, labelNames: [...config.labelNames] });
    this.names = config.labelNames;
    refuseUpdates(this, COUNTER_UPDATES);
  }

  /**
   * A new series for one label set (the caller keeps it and adds to it); hidden until first written.
   * @throws TypeError when the labels are not exactly the metric's label names with string values.
   */
  series(labels: Readonly<Record<L, string>>): ValueSeries {
    const series = new ValueSeries(orderedLabels(header(this).name, this.names, labels));
    this.table.push(series);
    return series;
  }

  override async get(): Promise<Awaited<ReturnType<Counter<L>['get']>>> {
    return { ...header(this), values: valuesOf(this.table) } as unknown as Awaited<ReturnType<Counter<L>['get']>>;
  }

  override reset(): void {
    super.reset();
    // called by prom-client's constructor too, before this class' fields exist
    for (const series of this.table ?? []) series.clear();
  }
}

/**
 * A prom-client Gauge whose label sets are set in {@link ValueSeries} the owner keeps and read when the
 * registry is read; otherwise as {@link TalliedCounter} (prom-client's `set`, `inc`, `dec`, `setToCurrentTime`,
 * `startTimer`, `labels` and `remove` throw).
 */
export class TalliedGauge<L extends string> extends Gauge<L> {
  private readonly table: ValueSeries[] = [];
  private readonly names: readonly L[];

  constructor(config: TalliedConfiguration<L>) {
    super({ ...config, labelNames: [...config.labelNames] });
    this.names = config.labelNames;
    refuseUpdates(this, GAUGE_UPDATES);
  }

  /**
   * A new series for one label set (the caller keeps it and sets it); hidden until first set.
   * @throws TypeError when the labels are not exactly the metric's label names with string values.
   */
  series(labels: Readonly<Record<L, string>>): ValueSeries {
    const series = new ValueSeries(orderedLabels(header(this).name, this.names, labels));
    this.table.push(series);
    return series;
  }

  override async get(): Promise<Awaited<ReturnType<Gauge<L>['get']>>> {
    return { ...header(this), values: valuesOf(this.table) } as unknown as Awaited<ReturnType<Gauge<L>['get']>>;
  }

  override reset(): void {
    super.reset();
    for (const series of this.table ?? []) series.clear();
  }
}
