import { Gauge, type Registry, type RegistryContentType } from 'prom-client';
import type { Engine } from '../core/engine/engine.js';
import type { EntityTree } from '../core/entity-tree.js';

/**
 * The gauges read from the tree and the engine when the registry is read (nothing on the loop's path):
 * entities by type and state, stale sensors, attached policies by state.
 * @returns a release: from then on the gauges hold no reference to the tree or the engine (the registry,
 *   which the host keeps, would keep them alive) and report no series.
 * @throws Error (from prom-client) when the registry already holds a metric of the same name.
 */
export function registerStateGauges(registry: Registry<RegistryContentType>, engine: Engine, tree: EntityTree): () => void {
  // the collectors reach the tree and the engine only through this, so a release lets them go
  let source: { readonly engine: Engine; readonly tree: EntityTree } | undefined = { engine, tree };
  new Gauge({
    name: 'homeostat_entities',
    help: 'Entities by type and lifecycle state.',
    labelNames: ['type', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      if (source === undefined) return;
      // counted here, then set once per series: a labelled inc per entity hashes its labels every time
      const counts = new Map<string, Map<string, number>>();
      for (const entity of source.tree.entities()) {
        let byState = counts.get(entity.type);
        if (!byState) counts.set(entity.type, (byState = new Map()));
        const state = entity.state ?? 'created';
        byState.set(state, (byState.get(state) ?? 0) + 1);
      }
      counts.forEach((byState, type) => byState.forEach((count, state) => this.set({ type, state }, count)));
    },
  });
  new Gauge({
    name: 'homeostat_stale_sensors',
    help: 'Sensors whose latest reading is older than their staleness bound, by sensor.',
    labelNames: ['sensor'],
    registers: [registry],
    collect() {
      this.reset();
      if (source === undefined) return;
      const now = source.tree.scheduler.now();
      const counts = new Map<string, number>();
      for (const entity of source.tree.entities()) {
        for (const sensor of entity._createdSensors()) {
          // stale: a reading older than its bound (no reading: -Infinity, no bound: Infinity; `current` would build an object)
          const staleAt = sensor.staleAt;
          if (staleAt !== -Infinity && now >= staleAt) counts.set(sensor.name, (counts.get(sensor.name) ?? 0) + 1);
        }
      }
      counts.forEach((count, sensor) => this.set({ sensor }, count));
    },
  });
  new Gauge({
    name: 'homeostat_policies',
    help: 'Attached policies by policy and state (running, suspended, dry_run, restarting).',
    labelNames: ['policy', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      if (source === undefined) return;
      source.engine.policyStateCounts().forEach((byState, policy) => byState.forEach((count, state) => this.set({ policy, state }, count)));
    },
  });
  return () => {
    source = undefined;
  };
}
