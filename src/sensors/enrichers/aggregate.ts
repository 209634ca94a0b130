import { Subscription } from 'rxjs';
import type { Entity } from '../../core/entity.js';
import { numberSensor } from '../define-sensor.js';
import type { Enricher } from './enricher.js';
import { coalesce } from './coalesce.js';
import { followSources, sourceCountOf, sourcesOf, type SourceSet } from './sources.js';
import { AggregateTally, type FreshCounts } from './aggregate-tally.js';
import { SensorWait } from './sensor-wait.js';
import type { Sensor } from '../sensor.js';

/** How values are combined. `fractionUp` reads a boolean sensor and counts missing values as not up. */
export type AggregateOp = 'sum' | 'mean' | 'min' | 'max' | 'count' | 'fractionUp';

/** Options of `aggregate`. */
export interface AggregateOptions {
  readonly from: SourceSet;
  /** Sensor read on each child or member. */
  readonly sensor: string;
  /** Sensor published on the entity. */
  readonly publish: string;
  readonly op: AggregateOp;
  /**
   * Fraction of sources that must have a fresh value before anything is published. Default 1 for `sum` (a sum
   * over some members would under-count load), otherwise 0 (at least one value).
   */
  readonly minCoverage?: number;
  /** Staleness bound of the published sensor (ms). */
  readonly staleAfterMs?: number;
}

/**
 * Aggregates a sensor over children or members, following them as they come and go. Missing and stale values
 * are left out, never read as zero; when coverage is too low nothing is published and the sensor goes stale.
 * Readings that arrive in the same instant are aggregated once (see `coalesce`).
 */
export function aggregate(options: AggregateOptions): Enricher {
  const minCoverage = options.minCoverage ?? (options.op === 'sum' ? 1 : 0);
  return {
    description: `${options.op}(${options.from}.${options.sensor}) -> ${options.publish}`,
    publishes: [options.publish],
    start(entity, { tree, scheduler }) {
      const target = entity.addSensor(numberSensor(options.publish, options.staleAfterMs === undefined ? {} : { staleAfterMs: options.staleAfterMs }));
      // the fresh values are tallied one source at a time; every source is read again only while the tally
      // cannot be trusted (see AggregateTally.exact) or the tree announced a change it has not seen yet
      const tally = new AggregateTally(options.sensor, scheduler);
      const recompute = coalesce(scheduler, () => {
        const total = sourceCountOf(entity, options.from);
        const value =
          tally.exact && tally.size === total ? fromCounts(tally.counts(), total, options.op, minCoverage) : combine(sourcesOf(entity, options.from), options, minCoverage);
        if (value !== undefined) target.publish(value);
      });
      const followReadings = (source: Entity, sensor: Sensor<unknown>, held: Subscription): void => {
        held.add(
          sensor.readings$.subscribe(() => {
            tally.refresh(source);
            recompute.trigger();
          }),
        );
      };
      // a source that joins before it has the sensor (a member's own enricher or a push makes it later) is
      // followed from when it makes it: until then it counts with no value, as reading it would say
      const waiting = new SensorWait(tree, options.sensor, (source, sensor, held) => {
        tally.gained(source, sensor);
        followReadings(source, sensor, held);
        recompute.trigger();
      });
      const subscription = followSources(
        tree,
        entity,
        options.from,
        (source) => {
          tally.add(source);
          const held = new Subscription();
          if (source.hasSensor(options.sensor)) followReadings(source, source.sensor(options.sensor), held);
          else waiting.add(source, held);
          held.add(() => {
            waiting.delete(source);
            tally.delete(source);
          });
          return held;
        },
        recompute.trigger,
      );
      recompute.trigger();
      subscription.add(recompute.cancel);
      subscription.add(() => waiting.close());
      return subscription;
    },
  };
}

/** What `combine` answers, from the tally's counts over `total` sources. */
function fromCounts(counts: FreshCounts, total: number, op: AggregateOp, minCoverage: number): number | undefined {
  if (op === 'count') return counts.fresh;
  if (op === 'fractionUp') return total === 0 ? undefined : counts.trues / total;
  if (total === 0) return op === 'sum' ? 0 : undefined;
  if (counts.numbers === 0 || counts.numbers / total < minCoverage) return undefined;
  switch (op) {
    case 'sum':
      return counts.sum;
    case 'mean':
      return counts.sum / counts.numbers;
    case 'min':
      return counts.min;
    case 'max':
      return counts.max;
  }
}

/** Reads every source: the aggregate when the tally cannot be trusted. */
function combine(sources: readonly Entity[], options: AggregateOptions, minCoverage: number): number | undefined {
  const values: unknown[] = [];
  for (const source of sources) {
    const value = source.hasSensor(options.sensor) ? source.sensor(options.sensor).value : undefined;
    if (value !== undefined) values.push(value);
  }
  if (options.op === 'count') return values.length;
  if (options.op === 'fractionUp') return sources.length === 0 ? undefined : values.filter((v) => v === true).length / sources.length;
  const numbers = values.filter((v): v is number => typeof v === 'number');
  if (sources.length === 0) return options.op === 'sum' ? 0 : undefined;
  if (numbers.length === 0 || numbers.length / sources.length < minCoverage) return undefined;
  switch (options.op) {
    case 'sum':
      return numbers.reduce((a, b) => a + b, 0);
    case 'mean':
      return numbers.reduce((a, b) => a + b, 0) / numbers.length;
    case 'min':
      return Math.min(...numbers);
    case 'max':
      return Math.max(...numbers);
  }
}
