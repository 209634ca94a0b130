import type { Registry, RegistryContentType } from 'prom-client';

/**
 * A metric as the registry holds it: `getMetricsAsArray` gives the metric objects themselves (prom-client's
 * types call them `MetricObject`), compared by identity here.
 */
type Metric = object;

/**
 * The metrics an owner registers on a registry it shares with others (the host's), so that it can take them
 * out again when it closes: a second owner on the same registry then registers its own (prom-client refuses a
 * name registered twice) and counts from zero instead of adding to the first one's counts.
 *
 * Made before the owner registers anything; {@link Registrations.since} then names what the registry gained
 * meanwhile (registration is synchronous: nothing else registers in between).
 */
export class Registrations {
  private readonly before: ReadonlySet<Metric>;

  constructor(private readonly registry: Registry<RegistryContentType>) {
    this.before = new Set(registry.getMetricsAsArray());
  }

  /**
   * What was registered since this was made, as a function that unregisters it: each metric is removed only
   * while the registry still holds that very object under its name (never one another owner registered under
   * the same name since). Calling it again does nothing.
   */
  since(): () => void {
    const added = this.registry.getMetricsAsArray().filter((metric) => !this.before.has(metric));
    const registry = this.registry;
    return () => {
      for (const metric of added.splice(0)) {
        // the name it was registered under (an OpenMetrics registry's counters are named without `_total`)
        const { name } = metric as unknown as { readonly name: string };
        if ((registry.getSingleMetric(name) as object | undefined) === metric) registry.removeSingleMetric(name);
      }
    };
  }
}
