import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../src/core/entity-tree.js';
import { sensorFromDecl } from '../../src/blueprint/sensor-decl.js';
import type { RejectedReading } from '../../src/sensors/reading.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

// A `type: json` sensor took any value: a circular object, a bigint or a function was kept as its current
// value, and then failed whatever serialized it (GET /entities/:id, a snapshot into Redis, the SSE stream).
describe('a sensor declared `type: json`', () => {
  function jsonSensor() {
    const tree = new EntityTree(new VirtualClock());
    const rejected: RejectedReading[] = [];
    tree.rejections$.subscribe((r) => rejected.push(r));
    const entity = tree.add({ id: 'svc', type: 'entity', sensors: [sensorFromDecl({ name: 'blob', type: 'json' } as never)] });
    return { sensor: entity.sensor<unknown>('blob'), rejected };
  }

  it('rejects what is not JSON, saying what and where, and keeps its last value', () => {
    const { sensor, rejected } = jsonSensor();
    sensor.publish({ findings: [{ id: 'CVE-1', score: 9.8 }], note: null });
    const circular: Record<string, unknown> = { a: 1 };
    circular['self'] = circular;
    for (const bad of [circular, { n: 5n }, { f: () => 1 }, [Symbol('s')], { x: Number.NaN }, new Map([[1, 2]])]) sensor.publish(bad);
    expect(sensor.value).toEqual({ findings: [{ id: 'CVE-1', score: 9.8 }], note: null });
    expect(rejected.map((r) => r.problem)).toEqual([
      'self: a circular reference is not JSON',
      'n: a bigint is not JSON',
      'f: a function is not JSON',
      '0: a symbol is not JSON',
      'x: NaN is not a finite number',
      'value: an instance of Map is not plain JSON',
    ]);
  });

  it('takes a large plain value (a report of 100,000 findings)', () => {
    const { sensor, rejected } = jsonSensor();
    const report = { findings: Array.from({ length: 100_000 }, (_, i) => ({ id: `F-${i}`, fixed: i % 2 === 0 })) };
    sensor.publish(report);
    expect(rejected).toEqual([]);
    expect(sensor.value).toBe(report);
  });
});
