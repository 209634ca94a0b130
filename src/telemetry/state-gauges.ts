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
      for (const entity of source.tree.entities()) this.inc({ type: entity.type, state: entity.state ?? 'created' });
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
      for (const entity of source.tree.entities()) {
        for (const sensor of entity._createdSensors()) if (sensor.definition.staleAfterMs !== undefined && sensor.current && sensor.isStale(now)) this.inc({ sensor: sensor.name });
      }
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
      for (const p of source.engine.policies()) {
        const state = p.state === 'restarting' ? 'restarting' : p.suspended ? 'suspended' : p.dryRun ? 'dry_run' : 'running';
        this.inc({ policy: p.name, state });
      }
    },
  });
  return () => {
    source = undefined;
  };
}
