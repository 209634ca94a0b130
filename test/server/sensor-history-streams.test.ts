import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../src/core/entity-tree.js';
import type { Entity } from '../../src/core/entity.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import type { Observation } from '../../src/sensors/reading.js';
import { SensorHistory } from '../../src/server/sensor-history.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

type Step =
  | { readonly kind: 'open'; readonly pick: number }
  | { readonly kind: 'release'; readonly pick: number }
  | { readonly kind: 'add'; readonly pick: number }
  | { readonly kind: 'remove'; readonly pick: number }
  | { readonly kind: 'publish'; readonly pick: number; readonly sensor: 'cpu' | 'kept' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('open' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), pick: fc.nat() }),
  { arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('publish' as const), pick: fc.nat(), sensor: fc.constantFrom('cpu' as const, 'kept' as const) }), weight: 4 },
);

const SENSORS = [numberSensor('cpu'), numberSensor('kept', { history: 3 })];

/**
 * What streaming means, written as a scan of the whole tree: a reading reaches the hub when an open stream's
 * root holds its entity, and a created sensor is tapped when so held or when it keeps declared history.
 */
function expectedTapped(tree: EntityTree, roots: readonly Entity[]): number {
  let n = 0;
  for (const entity of tree.entities()) {
    const streamed = roots.some((root) => root.contains(entity));
    for (const s of entity._createdSensors()) if (streamed || s.definition.history !== undefined) n += 1;
  }
  return n;
}

describe('SensorHistory streams', () => {
  it('taps and streams exactly what a scan of the whole tree says, over random streams, entities and readings', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60, size: 'max' }), (history) => {
        const tree = new EntityTree(new VirtualClock());
        const root = tree.add({ id: 'root', type: 'application' });
        for (const g of ['a', 'b']) tree.add({ id: g, type: 'group' }, root);
        const events: Observation[] = [];
        const sensorHistory = new SensorHistory(tree, { size: 4 }, (o) => events.push(o));
        const open: Array<{ root: Entity; release: () => void }> = [];
        let next = 0;
        for (const s of history) {
          const entities = [...tree.entities()];
          const entity = entities[s.pick % entities.length] as Entity;
          if (s.kind === 'open') open.push({ root: entity, release: sensorHistory.stream(entity) });
          else if (s.kind === 'release') open.splice(s.pick % Math.max(open.length, 1), 1)[0]?.release();
          else if (s.kind === 'add') tree.add({ id: `e${next++}`, type: 'server', sensors: SENSORS }, entity);
          else if (s.kind === 'remove') {
            if (entity !== root) tree.remove(entity);
          } else if (entity.hasSensor(s.sensor)) {
            const before = events.length;
            entity.sensor<number>(s.sensor).publish(next);
            const streamed = open.some((o) => tree.find(o.root.id) === o.root && o.root.contains(entity));
            expect(events.length - before).toBe(streamed ? 1 : 0);
          }
          const live = open.map((o) => o.root).filter((r) => tree.find(r.id) === r);
          expect(sensorHistory.tapped).toBe(expectedTapped(tree, live));
        }
        for (const o of open) o.release();
        expect(sensorHistory.tapped).toBe(expectedTapped(tree, []));
        sensorHistory.close();
      }),
      { numRuns: 400 },
    );
  });
});
