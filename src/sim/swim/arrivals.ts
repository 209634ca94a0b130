/** Where arrivals come from: the next arrival time (s), or undefined when there are no more. */
export interface ArrivalSource {
  next(): number | undefined;
}

/** Arrivals replayed from a trace. */
export function traceArrivals(arrivals: Float64Array, offset = 0): ArrivalSource {
  let i = 0;
  return { next: () => (i < arrivals.length ? (arrivals[i++] as number) + offset : undefined) };
}

/** A Poisson process of `rate` requests per second from `start`, from a seeded uniform source. */
export function poissonArrivals(rate: number, random: () => number, start = 0): ArrivalSource {
  let t = start;
  return {
    next: () => {
      if (!(rate > 0)) return undefined;
      t += -Math.log(1 - random()) / rate;
      return t;
    },
  };
}
