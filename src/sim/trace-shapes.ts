import { seededRandom } from '../drivers/seeded-random.js';
import type { ArrivalTrace } from './trace.js';

/** A load shape: arrivals per second at minute `m` (0-based) of a trace `minutes` long. */
export type RateShape = (m: number, minutes: number, random: () => number) => number;

/**
 * Generated load shapes of the evaluation set, scaled to SWIM's cluster (3 servers serve about 67
 * requests/s): each is a different way for load to change, so that a configuration tuned on one trace is
 * tested on kinds of load it was never tuned on.
 */
export const TRACE_SHAPES: Readonly<Record<string, RateShape>> = {
  /** Quiet, then a crowd arrives within two minutes at minute 40 and thins out over twenty. */
  'flash-crowd': (m) => (m < 40 ? 10 : 10 + 55 * Math.max(0, m < 42 ? (m - 39) / 3 : 1 - (m - 42) / 20)),
  /** From 5 to 62 requests/s at an even pace. */
  'steady-ramp': (m, n) => 5 + (57 * m) / (n - 1),
  /** A day compressed into an hour: 34 +/- 26 requests/s. */
  'diurnal-wave': (m) => 34 + 26 * Math.sin((2 * Math.PI * m) / 60),
  /** Low, bursty load: about 8 requests/s, with bursts of up to 30 (more than one server serves) in some minutes. */
  'low-noisy': (_m, _n, random) => 6 + 4 * random() + (random() < 0.2 ? 20 * random() : 0),
  /** 10 requests/s, a step to 55 at minute 30, back to 10 at minute 70. */
  'step-up-down': (m) => (m >= 30 && m < 70 ? 55 : 10),
};

/**
 * Generates a trace from a shape: a Poisson process whose rate is the shape's value for each minute,
 * from a seeded PRNG (the same name, length and seed give the same trace).
 */
export function generateTrace(name: string, minutes = 105, seed = 1): ArrivalTrace {
  const shape = TRACE_SHAPES[name];
  if (!shape) throw new RangeError(`no trace shape '${name}' (known: ${Object.keys(TRACE_SHAPES).join(', ')})`);
  const random = seededRandom(seed * 7919 + name.length);
  const arrivals: number[] = [];
  for (let m = 0; m < minutes; m++) {
    const rate = Math.max(0, shape(m, minutes, random));
    if (rate === 0) continue;
    for (let t = m * 60 - Math.log(1 - random()) / rate; t < (m + 1) * 60; t -= Math.log(1 - random()) / rate) arrivals.push(t);
  }
  return { arrivals: Float64Array.from(arrivals), durationSeconds: minutes * 60, source: `${name}.generated` };
}
