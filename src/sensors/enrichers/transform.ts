import { derivedSensor } from './derived-sensor.js';
import type { Enricher } from './enricher.js';

/** Options of `transform`. */
export interface TransformOptions {
  readonly sensor: string;
  readonly publish: string;
  /** Maps a reading; returning undefined publishes nothing. */
  readonly fn: (value: number) => number | undefined;
  readonly description?: string;
}

/** Publishes a function of another numeric sensor on the same entity (unit conversion, scaling, clamping). */
export function transform(options: TransformOptions): Enricher {
  return {
    description: options.description ?? `transform(${options.sensor}) -> ${options.publish}`,
    publishes: [options.publish],
    start(entity) {
      const source = entity.sensor<number>(options.sensor);
      const target = derivedSensor(entity, options.publish, source);
      return source.changes$.subscribe((reading) => {
        const value = options.fn(reading.value);
        if (value !== undefined) target.publishAt(value, reading.at);
      });
    },
  };
}
