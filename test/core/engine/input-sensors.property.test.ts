import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputSensors } from '../../../src/core/engine/input-sensors.js';
import { staleInputs } from '../../../src/core/engine/stale-inputs.js';
import { EntityTree } from '../../../src/core/entity-tree.js';
import type { Entity } from '../../../src/core/entity.js';
import { numberSensor } from '../../../src/sensors/define-sensor.js';
import type { SensorDefinition } from '../../../src/sensors/define-sensor.js';
import type { Observation } from '../../../src/sensors/reading.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

/**
 * The memo of a policy's input sensors against the plain lookup it stands for (`tree.find(entity)?.
 * findSensor(sensor)`), over random histories of a small tree: entities added (again, with other sensors
 * and bounds, under other parents) and removed with their subtrees, sensors added, and lookups of ids, paths
 * and names that may or may not be there, at positions that repeat. Each lookup must find the very sensor the
 * tree gives at that moment, and the staleness verdicts (with their details) must be the same.
 */

const IDS = ['a', 'b', 'c', 'd'] as const;
const NAMES = ['cpu', 'mem', 'load'] as const;

type Step =
  | { readonly op: 'add'; readonly id: string; readonly under: number; readonly sensors: readonly number[]; readonly bound: number | undefined }
  | { readonly op: 'remove'; readonly id: string }
  | { readonly op: 'addSensor'; readonly id: string; readonly name: string; readonly bound: number | undefined }
  | { readonly op: 'look'; readonly inputs: ReadonlyArray<{ readonly entity: string; readonly sensor: string; readonly age: number; readonly stale: boolean }> };

const id = fc.constantFrom(...IDS);
const name = fc.constantFrom(...NAMES);
const bound = fc.option(fc.constantFrom(-1, 0, 5, 50), { nil: undefined });
/** An id, or a path to it from the root (right or wrong). */
const ref = fc.oneof(id, fc.tuple(id, id).map(([x, y]) => `/root/${x}/${y}`), id.map((x) => `/root/${x}`));

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), id, under: fc.integer({ min: 0, max: IDS.length }), sensors: fc.subarray([0, 1, 2]), bound }),
  fc.record({ op: fc.constant('remove' as const), id }),
  fc.record({ op: fc.constant('addSensor' as const), id, name, bound }),
  fc.record({
    op: fc.constant('look' as const),
    inputs: fc.array(fc.record({ entity: ref, sensor: name, age: fc.constantFrom(0, 1, 5, 6, 100), stale: fc.constantFrom(false, false, false, false, false, false, false, true) }), { minLength: 1, maxLength: 4 }),
  }),
);

function sensorsOf(indexes: readonly number[], staleAfterMs: number | undefined): SensorDefinition<unknown>[] {
  return indexes.map((i) => numberSensor(NAMES[i] as string, staleAfterMs === undefined ? {} : { staleAfterMs }) as SensorDefinition<unknown>);
}

function replay(steps: readonly Step[]): void {
  const clock = new VirtualClock(1_000);
  const tree = new EntityTree(clock);
  const root = tree.add({ id: 'root', type: 'root' });
  const memo = new InputSensors(tree);
  for (const s of steps) {
    if (s.op === 'add') {
      if (tree.find(s.id)) continue;
      const parent: Entity = (s.under === 0 ? undefined : tree.find(IDS[s.under - 1] as string)) ?? root;
      tree.add({ id: s.id, type: 't', sensors: sensorsOf(s.sensors, s.bound) }, parent);
    } else if (s.op === 'remove') {
      if (tree.find(s.id)) tree.remove(s.id);
    } else if (s.op === 'addSensor') {
      tree.find(s.id)?.addSensor(numberSensor(s.name, s.bound === undefined ? {} : { staleAfterMs: s.bound }));
    } else {
      s.inputs.forEach((input, position) => expect(memo.sensorOf(position, input.entity, input.sensor)).toBe(tree.find(input.entity)?.findSensor(input.sensor)));
      const now = clock.now();
      const inputs: Observation[] = s.inputs.map((i) => (i.stale ? { entity: i.entity, sensor: i.sensor, value: 1, at: now - i.age, stale: true } : { entity: i.entity, sensor: i.sensor, value: 1, at: now - i.age }));
      expect(staleInputs(tree, inputs, now, memo)).toEqual(staleInputs(tree, inputs, now));
    }
  }
}

describe("a policy's memo of its input sensors", () => {
  it('finds what the tree finds, and gives the same stale inputs, over random histories of the tree', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40, size: 'max' }), (steps) => replay(steps)),
      { numRuns: 500 },
    );
  });

  it('forgets a sensor once its entity leaves the tree, and finds the one of an entity added again under the same id', () => {
    const clock = new VirtualClock(1_000);
    const tree = new EntityTree(clock);
    const root = tree.add({ id: 'root', type: 'root' });
    const memo = new InputSensors(tree);
    const first = tree.add({ id: 'a', type: 't', sensors: [numberSensor('cpu', { staleAfterMs: 5 })] }, root);
    expect(memo.sensorOf(0, 'a', 'cpu')).toBe(first.sensor('cpu'));
    tree.remove('a');
    expect(memo.sensorOf(0, 'a', 'cpu')).toBeUndefined();
    const second = tree.add({ id: 'a', type: 't', sensors: [numberSensor('cpu', { staleAfterMs: 50 })] }, root);
    expect(memo.sensorOf(0, 'a', 'cpu')).toBe(second.sensor('cpu'));
    const input: Observation = { entity: 'a', sensor: 'cpu', value: 1, at: 990 };
    expect(staleInputs(tree, [input], 1_000, memo)).toEqual([]);
  });
});
