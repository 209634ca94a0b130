/** prom-client's update methods of each metric kind, which a tallied metric would never export. */
export const COUNTER_UPDATES = ['inc', 'incWithoutExemplar', 'incWithExemplar', 'labels', 'remove'] as const;
/** @see COUNTER_UPDATES */
export const GAUGE_UPDATES = ['inc', 'dec', 'set', 'setToCurrentTime', 'startTimer', 'labels', 'remove'] as const;
/** @see COUNTER_UPDATES */
export const HISTOGRAM_UPDATES = ['observe', 'observeWithoutExemplar', 'observeWithExemplar', 'startTimer', 'labels', 'zero', 'remove'] as const;

/**
 * Replaces prom-client's update methods on `metric` (its own, or the ones prom-client's constructor set on
 * the instance) with ones that throw: a tallied metric exports only the series its owner counts, so an
 * update through prom-client would be accepted and then missing from every scrape.
 */
export function refuseUpdates(metric: object, methods: readonly string[]): void {
  for (const method of methods) {
    Object.defineProperty(metric, method, {
      configurable: true,
      writable: true,
      value: () => {
        const name = (metric as { name: string }).name;
        throw new TypeError(`${name}: counted by its owner from its own events, so prom-client's ${method}() on it would never be exported; read it through the registry, reset it with registry.resetMetrics()`);
      },
    });
  }
}
