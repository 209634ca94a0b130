import { derivedSensor } from './derived-sensor.js';
import type { Reading } from '../reading.js';
import type { Enricher } from './enricher.js';

/** Options of `rate`. */
export interface RateOptions {
  /** A monotonically increasing counter. */
  readonly sensor: string;
  readonly publish: string;
  /** The rate's time unit (ms). Default 1000: per second. */
  readonly perMs?: number;
}

/**
 * Publishes the time-weighted rate of change of a counter: (v2 - v1) / (t2 - t1). A counter that goes down
 * was reset; the increase since the reset is counted from zero, as Prometheus does.
 */
export function rate(options: RateOptions): Enricher {
  const per = options.perMs ?? 1000;
  return {
    description: `rate(${options.sensor}) -> ${options.publish}`,
    publishes: [options.publish],
    start(entity) {
      const source = entity.sensor<number>(options.sensor);
      const target = derivedSensor(entity, options.publish, source);
      let previous: Reading<number> | undefined;
      return source.changes$.subscribe((reading) => {
        if (previous && reading.at > previous.at) {
          const increase = reading.value >= previous.value ? reading.value - previous.value : reading.value;
          target.publishAt((increase / (reading.at - previous.at)) * per, reading.at);
        }
        if (!previous || reading.at > previous.at) previous = reading;
      });
    },
  };
}
