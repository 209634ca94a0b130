import { derivedSensor } from './derived-sensor.js';
import { TimeWindow, percentile } from '../time-window.js';
import type { Enricher } from './enricher.js';

/** Options of `percentiles`. */
export interface PercentilesOptions {
  readonly sensor: string;
  /** Prefix of the published sensors: `<publish>.p50`, `<publish>.p99`... */
  readonly publish: string;
  /** Window length (ms). */
  readonly windowMs: number;
  /** Percentiles to publish (0-100). Default [50, 90, 99]. */
  readonly percentiles?: readonly number[];
  /** Publish nothing until the window holds this many readings. Default 1. */
  readonly minSamples?: number;
}

/** Publishes nearest-rank percentiles of the readings taken within a sliding window. */
export function percentiles(options: PercentilesOptions): Enricher {
  const ps = options.percentiles ?? [50, 90, 99];
  const name = (p: number): string => `${options.publish}.p${String(p).replace('.', '_')}`;
  return {
    description: `percentiles(${options.sensor}, ${options.windowMs} ms) -> ${ps.map(name).join(', ')}`,
    publishes: ps.map(name),
    start(entity, { scheduler }) {
      const source = entity.sensor<number>(options.sensor);
      const targets = ps.map((p) => [p, derivedSensor(entity, name(p), source)] as const);
      const window = new TimeWindow(options.windowMs);
      return source.changes$.subscribe((reading) => {
        window.add(reading);
        const now = scheduler.now();
        window.trim(now);
        const samples = window.samples(now);
        if (samples.length < (options.minSamples ?? 1)) return;
        for (const [p, sensor] of targets) {
          const value = percentile(samples, p);
          if (value !== undefined) sensor.publish(value);
        }
      });
    },
  };
}
