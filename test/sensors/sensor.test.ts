import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EntityTree } from '../../src/core/entity-tree.js';
import { numberSensor, defineSensor } from '../../src/sensors/define-sensor.js';
import type { RejectedReading } from '../../src/sensors/reading.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

describe('Sensor', () => {
  it('stamps readings with scheduler time and goes stale after its bound', async () => {
    const clock = new VirtualClock(1000);
    const entity = new EntityTree(clock).add({ id: 'a', type: 't', sensors: [numberSensor('cpu', { staleAfterMs: 30_000 })] });
    const cpu = entity.sensor<number>('cpu');
    expect(cpu.isStale()).toBe(true);
    expect(cpu.value).toBeUndefined();
    cpu.publish(0.5);
    expect(cpu.current).toEqual({ entity: 'a', sensor: 'cpu', value: 0.5, at: 1000 });
    await clock.advanceBy(30_000);
    expect(cpu.value).toBe(0.5);
    await clock.advanceBy(1);
    expect(cpu.isStale()).toBe(true);
    expect(cpu.value).toBeUndefined(); // stale is missing, never a number
  });

  it('tells when its value last changed: a value reported again keeps its first time, a rejected one changes nothing', async () => {
    const clock = new VirtualClock(1000);
    const entity = new EntityTree(clock).add({ id: 'a', type: 't', sensors: [numberSensor('cpu')] });
    const cpu = entity.sensor<number>('cpu');
    const up = entity.sensor<boolean>('service.up');
    expect(cpu.changedAt).toBeUndefined();
    cpu.publish(0.5);
    up.publish(true);
    await clock.advanceBy(5_000);
    cpu.publish(0.5);
    up.publish(true);
    cpu.publish(Number.NaN);
    expect([cpu.changedAt, up.changedAt, cpu.current?.at]).toEqual([1000, 1000, 6000]);
    await clock.advanceBy(5_000);
    cpu.publish(0.7);
    up.publish(false);
    expect([cpu.changedAt, up.changedAt]).toEqual([11_000, 11_000]);
  });

  it('rejects NaN, infinities and strings for a number, counts and reports them, and keeps the last good value', () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const rejected: RejectedReading[] = [];
    tree.rejections$.subscribe((r) => rejected.push(r));
    const cpu = tree.add({ id: 'a', type: 't', sensors: [numberSensor('cpu')] }).sensor<number>('cpu');
    const seen: number[] = [];
    cpu.readings$.subscribe((r) => seen.push(r.value));
    expect(cpu.publish(0.4)).toBe(true);
    expect(cpu.publish(Number.NaN)).toBe(false);
    expect(cpu.publish('0.9')).toBe(false);
    expect(cpu.publish(Infinity)).toBe(false);
    expect(seen).toEqual([0.4]);
    expect(cpu.value).toBe(0.4);
    expect(cpu.rejectedCount).toBe(3);
    expect(rejected.map((r) => r.problem)).toEqual(['expected a finite number, got NaN', "expected a finite number, got the string '0.9'", 'expected a finite number, got Infinity']);
  });

  it('rejects a reading whose explicit time is not a finite number, reports it, and keeps the last good reading', () => {
    const clock = new VirtualClock(1_000);
    const tree = new EntityTree(clock);
    const rejected: RejectedReading[] = [];
    tree.rejections$.subscribe((r) => rejected.push(r));
    const entity = tree.add({ id: 'a', type: 't', sensors: [numberSensor('cpu', { staleAfterMs: 50 }), defineSensor({ name: 'mode', schema: z.enum(['on', 'off']) })] });
    const cpu = entity.sensor<number>('cpu');
    const mode = entity.sensor<string>('mode');
    const seen: number[] = [];
    cpu.readings$.subscribe((r) => seen.push(r.value));
    expect(cpu.publishAt(0.4, 990)).toBe(true);
    for (const at of [Number.NaN, Infinity, -Infinity, '1000' as unknown as number]) expect(cpu.publishAt(0.9, at)).toBe(false);
    expect(mode.publishAt('on', Number.NaN)).toBe(false);
    expect(seen).toEqual([0.4]);
    expect(cpu.current).toEqual({ entity: 'a', sensor: 'cpu', value: 0.4, at: 990 });
    expect(cpu.changedAt).toBe(990);
    expect(mode.current).toBeUndefined();
    expect([cpu.rejectedCount, mode.rejectedCount]).toEqual([4, 1]);
    expect(rejected.every((r) => r.at === 1_000)).toBe(true); // when it was rejected
    expect(rejected.map((r) => [r.entity, r.sensor, r.value, r.problem])).toEqual([
      ['a', 'cpu', 0.9, 'expected the time to be a finite number of milliseconds, got NaN'],
      ['a', 'cpu', 0.9, 'expected the time to be a finite number of milliseconds, got Infinity'],
      ['a', 'cpu', 0.9, 'expected the time to be a finite number of milliseconds, got -Infinity'],
      ['a', 'cpu', 0.9, "expected the time to be a finite number of milliseconds, got the string '1000'"],
      ['a', 'mode', 'on', 'expected the time to be a finite number of milliseconds, got NaN'],
    ]);
    clock.frame += 100;
    expect(cpu.isStale()).toBe(true); // a reading with no real time never keeps the sensor fresh
  });

  it('gives as current the latest reading, also after a new one of an equal value at the same time (0 then -0) and after close', () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const entity = tree.add({ id: 'a', type: 't', sensors: [numberSensor('cpu')] });
    const cpu = entity.sensor<number>('cpu');
    expect(cpu.current).toBeUndefined();
    cpu.publish(0);
    const first = cpu.current;
    expect(first).toEqual({ entity: 'a', sensor: 'cpu', value: 0, at: 0 });
    expect(cpu.current).toBe(first);
    cpu.publish(-0);
    expect(Object.is(cpu.current?.value, -0)).toBe(true);
    expect(Object.is(cpu.value, -0)).toBe(true);
    cpu.publish(0.5);
    expect(cpu.current).toEqual({ entity: 'a', sensor: 'cpu', value: 0.5, at: 0 });
    tree.remove('a');
    expect(cpu.current).toEqual({ entity: 'a', sensor: 'cpu', value: 0.5, at: 0 });
  });

  it('validates structured readings with their zod schema', () => {
    const tree = new EntityTree(new VirtualClock());
    const lag = defineSensor({ name: 'replication.lag', schema: z.object({ bytes: z.number().int().min(0) }) });
    const sensor = tree.add({ id: 'db', type: 't', sensors: [lag] }).sensor('replication.lag');
    expect(sensor.publish({ bytes: -1 })).toBe(false);
    expect(sensor.publish({ bytes: 10 })).toBe(true);
  });

  it('refuses sensor names that are not dotted identifiers', () => {
    expect(() => numberSensor('cpu load')).toThrow(/dotted/);
  });
});
