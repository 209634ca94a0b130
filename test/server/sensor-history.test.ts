import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../src/core/entity-tree.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import type { Observation } from '../../src/sensors/reading.js';
import { ReadingRing } from '../../src/server/reading-ring.js';
import { SensorHistory } from '../../src/server/sensor-history.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

function fleet(n: number) {
  const tree = new EntityTree(new VirtualClock());
  const root = tree.add({ id: 'root', type: 'application' });
  const a = tree.add({ id: 'a', type: 'group' }, root);
  const b = tree.add({ id: 'b', type: 'group' }, root);
  for (let i = 0; i < n; i++) tree.add({ id: `e${i}`, type: 'server', sensors: [numberSensor('cpu'), numberSensor('kept', { history: 3 })] }, i % 2 === 0 ? a : b);
  const events: Observation[] = [];
  return { tree, root, a, b, events };
}

describe('ReadingRing', () => {
  it('keeps the last readings, oldest first, in a fixed capacity', () => {
    const ring = new ReadingRing(3);
    expect(ring.toArray()).toEqual([]);
    for (let i = 1; i <= 7; i++) ring.push({ entity: 'e', sensor: 's', value: i, at: i });
    expect(ring.toArray().map((o) => o.value)).toEqual([5, 6, 7]);
    expect(ring.size).toBe(3);
  });
});

describe('SensorHistory', () => {
  it('costs nothing for sensors nobody watches: no subscription, no event', () => {
    const { tree, events } = fleet(10);
    const history = new SensorHistory(tree, { size: 5 }, (o) => events.push(o));
    // only the sensors that declare history are tapped
    expect(history.tapped).toBe(10);
    tree.get('e1').sensor('cpu').publish(0.5);
    expect(events).toEqual([]);
    history.close();
  });

  it('keeps history of a sensor once asked for it, in a ring of the configured size', () => {
    const { tree } = fleet(2);
    const history = new SensorHistory(tree, { size: 4 }, () => undefined);
    const e0 = tree.get('e0');
    e0.sensor('cpu').publish(1);
    expect(history.of(e0, 'cpu').map((o) => o.value)).toEqual([1]); // the current reading, then history from now
    for (let i = 2; i <= 9; i++) e0.sensor('cpu').publish(i);
    expect(history.of(e0, 'cpu').map((o) => o.value)).toEqual([6, 7, 8, 9]);
    expect(history.of(tree.get('e1'), 'cpu')).toEqual([]); // no reading yet
    history.close();
  });

  it('keeps declared history from the start, at the declared size', () => {
    const { tree } = fleet(1);
    const history = new SensorHistory(tree, { size: 50 }, () => undefined);
    for (let i = 1; i <= 5; i++) tree.get('e0').sensor('kept').publish(i);
    expect(history.of(tree.get('e0'), 'kept').map((o) => o.value)).toEqual([3, 4, 5]);
    history.close();
  });

  it('bounds the watched histories, dropping the least recently asked', () => {
    const { tree } = fleet(4);
    const history = new SensorHistory(tree, { size: 5, maxWatched: 2 }, () => undefined);
    const base = history.tapped;
    history.of(tree.get('e0'), 'cpu');
    history.of(tree.get('e1'), 'cpu');
    history.of(tree.get('e0'), 'cpu'); // e0 is now the most recent
    history.of(tree.get('e2'), 'cpu'); // e1 goes
    expect(history.tapped).toBe(base + 2);
    tree.get('e1').sensor('cpu').publish(1);
    tree.get('e1').sensor('cpu').publish(2);
    expect(history.of(tree.get('e1'), 'cpu').map((o) => o.value)).toEqual([2]); // started again from the current reading
    history.close();
  });

  it('streams the readings of a subtree (entities that join it too) while a client watches, then stops', () => {
    const { tree, a, events } = fleet(4);
    const history = new SensorHistory(tree, { size: 5 }, (o) => events.push(o));
    const release = history.stream(a);
    tree.get('e0').sensor('cpu').publish(1); // in a
    tree.get('e1').sensor('cpu').publish(2); // in b: not streamed
    const late = tree.add({ id: 'late', type: 'server', sensors: [numberSensor('cpu')] }, a);
    late.sensor('cpu').publish(3);
    expect(events.map((o) => `${o.entity}=${o.value}`)).toEqual(['e0=1', 'late=3']);
    const twice = history.stream(a); // two clients on the same subtree: one event each reading, released one by one
    release();
    tree.get('e0').sensor('cpu').publish(4);
    twice();
    tree.get('e0').sensor('cpu').publish(5);
    expect(events.map((o) => o.value)).toEqual([1, 3, 4]);
    expect(history.tapped).toBe(4); // back to the declared ones (e0..e3)
    history.close();
  });

  it('streams a subtree without creating its sensors: each is tapped when first used, lifecycle states included', () => {
    const tree = new EntityTree(new VirtualClock());
    const root = tree.add({ id: 'root', type: 'application' });
    const names = ['cpu', 'mem', 'disk', 'net', 'qps', 'latency'];
    for (let i = 0; i < 100; i++) tree.add({ id: `e${i}`, type: 'server', sensors: names.map((n) => numberSensor(n)) }, root);
    const created = (): number => [...tree.entities()].reduce((n, e) => n + [...e._createdSensors()].length, 0);
    const before = created();
    const events: Observation[] = [];
    const history = new SensorHistory(tree, { size: 5 }, (o) => events.push(o));
    const release = history.stream(root);
    // the lifecycle state sensor of each entity (101), none of the six declared per server
    expect(created() - before).toBeLessThanOrEqual(101);
    expect(created()).toBeLessThan(101 * 2);
    tree.get('e7').sensor('latency').publish(0.25); // created now, by its first reading
    tree.get('e8').setState('running');
    expect(events.map((o) => `${o.entity}.${o.sensor}=${String(o.value)}`)).toEqual(['e7.latency=0.25', 'e8.service.state=running']);
    release();
    tree.get('e9').sensor('qps').publish(3); // created after the stream ended: not tapped
    tree.get('e7').sensor('latency').publish(0.5);
    expect(events).toHaveLength(2);
    expect(history.tapped).toBe(0);
    history.close();
  });

  it('counts a sensor created while two streams overlap it once per stream, and releases it with the last', () => {
    const { tree, root, a, events } = fleet(2);
    const history = new SensorHistory(tree, { size: 5 }, (o) => events.push(o));
    const outer = history.stream(root);
    const inner = history.stream(a);
    const late = tree.add({ id: 'late', type: 'server', sensors: [numberSensor('cpu')] }, a);
    late.sensor('cpu').publish(1);
    outer();
    late.sensor('cpu').publish(2);
    inner();
    late.sensor('cpu').publish(3);
    expect(events.filter((o) => o.entity === 'late' && o.sensor === 'cpu').map((o) => o.value)).toEqual([1, 2]);
    expect(history.tapped).toBe(2); // the declared histories of e0 and e1 only
    history.close();
  });

  it('does not tap a sensor first used on an entity already removed from under an open stream', () => {
    const { tree, root, a, events } = fleet(2);
    const history = new SensorHistory(tree, { size: 5 }, (o) => events.push(o));
    const release = history.stream(root);
    const gone = tree.add({ id: 'gone', type: 'server', sensors: [numberSensor('cpu')] }, a);
    tree.remove(gone);
    gone.sensor('cpu'); // a holder of the old reference creates it after the removal
    release();
    expect(history.tapped).toBe(2); // the declared histories of e0 and e1 only: nothing left tapped for nobody
    history.close();
  });

  it('forgets the sensors of an entity that leaves the tree', () => {
    const { tree } = fleet(2);
    const history = new SensorHistory(tree, { size: 5 }, () => undefined);
    history.of(tree.get('e0'), 'cpu');
    const before = history.tapped;
    tree.remove('e0');
    expect(history.tapped).toBe(before - 2);
    history.close();
    expect(history.tapped).toBe(0);
  });

  it('refuses a declared history that is not a whole number of readings', () => {
    expect(() => numberSensor('bad', { history: 0 })).toThrow(/history must be a whole number/);
  });
});
