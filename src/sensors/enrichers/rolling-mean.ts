import { derivedSensor } from './derived-sensor.js';
import { TimeWindow } from '../time-window.js';
import type { Enricher } from './enricher.js';

/** Options of `rollingMeanEnricher`. */
export interface RollingMeanEnricherOptions {
  readonly sensor: string;
  readonly publish: string;
  /** Window length (ms). */
  readonly windowMs: number;
  /** Publish nothing until data covers this fraction of the window. Default 0.8. */
  readonly minCoverage?: number;
}

/**
 * Publishes the time-weighted mean of a numeric sensor over a sliding window, and its coverage as
 * `<publish>.coverage` (Brooklyn's confidence). Publishes nothing while coverage is below the bound.
 */
export function rollingMeanEnricher(options: RollingMeanEnricherOptions): Enricher {
  const minCoverage = options.minCoverage ?? 0.8;
  return {
    description: `rollingMean(${options.sensor}, ${options.windowMs} ms) -> ${options.publish}`,
    publishes: [options.publish, `${options.publish}.coverage`],
    start(entity, { scheduler }) {
      const source = entity.sensor<number>(options.sensor);
      const target = derivedSensor(entity, options.publish, source);
      const coverage = derivedSensor(entity, `${options.publish}.coverage`, source);
      const window = new TimeWindow(options.windowMs);
      return source.changes$.subscribe((reading) => {
        window.add(reading);
        const stats = window.mean(scheduler.now());
        if (!stats) return;
        coverage.publish(stats.coverage);
        if (stats.coverage >= minCoverage) target.publish(stats.mean);
      });
    },
  };
}
