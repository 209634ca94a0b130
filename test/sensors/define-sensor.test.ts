import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { booleanSensor, defineSensor, numberSensor } from '../../src/index.js';

describe('defineSensor', () => {
  it('gives every definition the same fields in the same order, whatever its options (one hidden class for all)', () => {
    const keysOf = (o: object): string[] => Object.keys(o);
    const plain = numberSensor('cpu');
    const withOptions = numberSensor('latency', { staleAfterMs: 5_000, unit: 'seconds' });
    const reordered = defineSensor({ history: 10, unit: 'ratio', schema: z.number(), name: 'load', pushable: true });
    const flag = booleanSensor('service.up', { description: 'up or not' });
    expect(keysOf(plain)).toEqual(['name', 'schema', 'staleAfterMs', 'unit', 'description', 'pushable', 'history']);
    for (const other of [withOptions, reordered, flag]) expect(keysOf(other)).toEqual(keysOf(plain));
    expect(reordered).toMatchObject({ name: 'load', unit: 'ratio', history: 10, pushable: true });
    expect(plain.staleAfterMs).toBeUndefined();
  });

  it('keeps a field it does not know after the known ones, and freezes the copy', () => {
    const given = { name: 'queue.depth', schema: z.number(), owner: 'team-a' };
    const definition = defineSensor(given);
    expect((definition as unknown as Record<string, unknown>)['owner']).toBe('team-a');
    expect(Object.keys(definition).at(-1)).toBe('owner');
    expect(Object.isFrozen(definition)).toBe(true);
    given.name = 'changed';
    expect(definition.name).toBe('queue.depth');
  });

  it('refuses a name that is not dotted identifiers and a history out of range, naming the sensor', () => {
    expect(() => numberSensor('Bad Name')).toThrow(/sensor name 'Bad Name'/);
    expect(() => numberSensor('ok.name', { history: 0 })).toThrow(/sensor 'ok.name': history/);
  });

  it('keeps every own enumerable field a spread copy kept: symbol keys, and a __proto__ key as data (not as a prototype)', () => {
    const owner = Symbol('owner');
    const tagged = defineSensor({ name: 'queue.depth', schema: z.number(), [owner]: 'team-a' } as Parameters<typeof defineSensor<number>>[0]);
    expect((tagged as unknown as Record<symbol, unknown>)[owner]).toBe('team-a');
    const meta = JSON.parse('{"team":"a","__proto__":{"pushable":true,"admin":true}}') as object;
    const withMeta = defineSensor({ ...meta, name: 'queue.age', schema: z.number() });
    expect(Object.getPrototypeOf(withMeta)).toBe(Object.prototype);
    expect((withMeta as unknown as Record<string, unknown>)['admin']).toBeUndefined();
    expect(Object.keys(withMeta).slice(-2)).toEqual(['team', '__proto__']);
  });
});

