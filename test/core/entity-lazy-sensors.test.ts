import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import type { Observation } from '../../src/sensors/reading.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const cpu = numberSensor('cpu');
const memory = numberSensor('memory');
const noop = (name: string) => defineEffector({ name, params: z.object({}), run: () => undefined });

function tree() {
  const clock = new VirtualClock();
  const t = new EntityTree(clock);
  const root = t.add({ id: 'root', type: 'application' });
  return { clock, t, root };
}

describe('Entity sensors created on first use', () => {
  it('creates no Sensor object until one is asked for, and then always the same one', () => {
    const { t, root } = tree();
    const server = t.add({ id: 's1', type: 'server', sensors: [cpu, memory] }, root);
    expect([...server._createdSensors()]).toEqual([]);
    expect(server.hasSensor('cpu')).toBe(true);
    expect(server.hasSensor('escalation')).toBe(true);
    expect(server.hasSensor('disk')).toBe(false);
    const first = server.sensor<number>('cpu');
    expect(server.sensor('cpu')).toBe(first);
    expect([...server._createdSensors()].map((s) => s.name)).toEqual(['cpu']);
    expect(() => server.sensor('disk')).toThrow(/disk/);
  });

  it('finds a declared or added sensor in one call, creating it as `sensor` does, and nothing for an unknown name', () => {
    const { t, root } = tree();
    const server = t.add({ id: 's1', type: 'server', sensors: [cpu] }, root);
    expect(server.findSensor('disk')).toBeUndefined();
    expect([...server._createdSensors()]).toEqual([]);
    const found = server.findSensor('cpu');
    expect(found?.name).toBe('cpu');
    expect(server.sensor('cpu')).toBe(found);
    const added = server.addSensor(memory);
    expect(server.findSensor('memory')).toBe(added);
  });

  it('keeps the lifecycle state without a Sensor and hands it, with its time, to the sensor when asked for', async () => {
    const { clock, t, root } = tree();
    await clock.advanceBy(1_000);
    const server = t.add({ id: 's1', type: 'server' }, root);
    await clock.advanceBy(500);
    server.setState('starting');
    expect(server.state).toBe('starting');
    expect([...server._currentReadings()]).toEqual([{ entity: 's1', sensor: 'service.state', value: 'starting', at: 1_500 }]);
    const seen: Array<Observation<unknown>> = [];
    server.sensor('service.state').changes$.subscribe((o) => seen.push(o));
    expect(seen).toEqual([{ entity: 's1', sensor: 'service.state', value: 'starting', at: 1_500 }]);
    server.setState('running');
    expect(server.state).toBe('running');
    expect(seen.map((o) => o.value)).toEqual(['starting', 'running']);
  });

  it('rejects an invalid state through the sensor, as before, and keeps the valid one', () => {
    const { t, root } = tree();
    const server = t.add({ id: 's1', type: 'server' }, root);
    const rejected: string[] = [];
    t.rejections$.subscribe((r) => rejected.push(`${r.entity}/${r.sensor}=${String(r.value)}`));
    server.setState('exploded' as never);
    expect(rejected).toEqual(['s1/service.state=exploded']);
    expect(server.state).toBe('created');
  });

  it('lists every sensor in declaration order (standard first) and shares one kind among alike entities', () => {
    const { t, root } = tree();
    const sensors = [cpu, memory, numberSensor('cpu', { unit: 'ignored: the first cpu wins' })];
    const a = t.add({ id: 'a', type: 'server', sensors }, root);
    const b = t.add({ id: 'b', type: 'server', sensors: [...sensors] }, root);
    expect(a.sensors.map((s) => s.name)).toEqual(['service.up', 'service.state', 'escalation', 'scale.floor', 'cpu', 'memory']);
    expect(a.sensor('cpu').definition).toBe(cpu);
    expect(a._sensorDefinitions()).toBe(b._sensorDefinitions());
    a.addSensor(numberSensor('disk'));
    expect(a.sensors.map((s) => s.name).at(-1)).toBe('disk');
    expect(b.hasSensor('disk')).toBe(false);
  });

  it('lists effectors in the order added, a replaced one keeping its place, per entity', () => {
    const { t, root } = tree();
    const restart = noop('restart');
    const a = t.add({ id: 'a', type: 'server', effectors: [restart, noop('stop')] }, root);
    const b = t.add({ id: 'b', type: 'server', effectors: [restart, noop('stop')] }, root);
    const otherRestart = noop('restart');
    a.addEffector(otherRestart);
    a.addEffector(noop('resize'));
    expect(a.effectors.map((e) => e.name)).toEqual(['escalate', 'setFloor', 'restart', 'stop', 'resize']);
    expect(a.effector('restart')).toBe(otherRestart);
    expect(b.effector('restart')).toBe(restart);
    expect(b.hasEffector('resize')).toBe(false);
  });

  it('completes the streams of sensors of a removed entity, also of those asked for after removal', () => {
    const { t, root } = tree();
    const server = t.add({ id: 's1', type: 'server', sensors: [cpu, memory] }, root);
    const done: string[] = [];
    server.sensor('cpu').readings$.subscribe({ complete: () => done.push('cpu') });
    t.remove(server);
    server.sensor('memory').readings$.subscribe({ complete: () => done.push('memory') });
    expect(done).toEqual(['cpu', 'memory']);
    expect(root.children).toEqual([]);
  });
});
