import { Gauge, type Registry, type RegistryContentType } from 'prom-client';
import type { Engine } from '../core/engine/engine.js';
import type { EntityTree } from '../core/entity-tree.js';

/**
 * The gauges read from the tree and the engine when the registry is read (nothing on the loop's path):
 * entities by type and state, stale sensors, attached policies by state.
 * @throws Error (from prom-client) when the registry already holds a metric of the same name.
 */
export function registerStateGauges(registry: Registry<RegistryContentType>, engine: Engine, tree: EntityTree): void {
  new Gauge({
    name: 'homeostat_entities',
    help: 'Entities by type and lifecycle state.',
    labelNames: ['type', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const entity of tree.entities()) this.inc({ type: entity.type, state: entity.state ?? 'created' });
    },
  });
  new Gauge({
    name: 'homeostat_stale_sensors',
    help: 'Sensors whose latest reading is older than their staleness bound, by sensor.',
    labelNames: ['sensor'],
    registers: [registry],
    collect() {
      this.reset();
      const now = tree.scheduler.now();
      for (const entity of tree.entities()) {
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
      for (const p of engine.policies()) {
        const state = p.state === 'restarting' ? 'restarting' : p.suspended ? 'suspended' : p.dryRun ? 'dry_run' : 'running';
        this.inc({ policy: p.name, state });
      }
    },
  });
}
