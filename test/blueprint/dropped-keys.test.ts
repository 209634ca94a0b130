import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { droppedKeys } from '../../src/core/dropped-keys.js';
import { isUnknownKeyAt } from '../../src/blueprint/key-suggestions.js';
import { durationSchema } from '../../src/index.js';
import { ValidationError } from '../../src/core/errors.js';
import { parsePolicyConfig } from '../../src/core/engine/policy-config.js';
import looseConfigPolicy from './fixtures/modules/loose-config-policy.js';
import { problemsOf } from './problems-of.js';

/** A blueprint whose application runs the loose-config module with this config (YAML flow mapping). */
function withConfig(config: string): string {
  return `name: t\napplication:\n  id: app\n  type: application\n  policies:\n    - module: ./modules/loose-config-policy.ts\n      config: ${config}\n`;
}

describe('keys a non-strict config schema drops', () => {
  const schema = z.object({ a: z.number(), nested: z.object({ b: z.number() }), list: z.array(z.object({ c: z.number() })), when: durationSchema, loose: z.looseObject({}), map: z.record(z.string(), z.number()) });
  const raw = { a: 1, typo: 2, nested: { b: 1, bb: 2 }, list: [{ c: 1 }, { c: 2, d: 3 }], when: '1m', loose: { anything: 1 }, map: { x: 1 } };

  it('finds each dropped key with the path of the object that held it', () => {
    const parsed = schema.parse(raw);
    expect(droppedKeys(raw, parsed)).toEqual([
      { path: [], key: 'typo' },
      { path: ['nested'], key: 'bb' },
      { path: ['list', 1], key: 'd' },
    ]);
  });

  it('reports nothing for a strict parse, a loose object, a record, or a value the parse transformed', () => {
    expect(droppedKeys({ when: '1m', loose: { x: 1 }, map: { y: 2 } }, { when: 60_000, loose: { x: 1 }, map: { y: 2 } })).toEqual([]);
    expect(droppedKeys({ a: undefined }, {})).toEqual([]);
    expect(droppedKeys('text', 5)).toEqual([]);
  });

  it('stops walking a hostile value at its depth bound', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 100_000; i++) deep = { next: deep };
    let parsedDeep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) parsedDeep = { next: parsedDeep };
    expect(droppedKeys(deep, parsedDeep)).toEqual([]);
  });

  it('validate names a misspelt key of a module policy whose schema is z.object, with a suggestion', async () => {
    expect(await problemsOf(withConfig('{ sensr: service.up, limits: { mx: 4 }, steps: [{ size: 1, sise: 2 }] }'))).toEqual([
      "7:17: unknown key 'sensr' (did you mean 'sensor'?)",
      "7:46: unknown key 'mx' (did you mean 'max'?)",
      "7:74: unknown key 'sise' (did you mean 'size'?)",
    ]);
  });

  it('does not take a key a transform read for a dropped one (the parse made another object of it)', async () => {
    const secretRef = z.strictObject({ secret: z.strictObject({ file: z.string() }) }).transform((ref) => ({ path: ref.secret.file }));
    const schema = z.object({ password: secretRef });
    const raw = { password: { secret: { file: '/run/pw' } } };
    const parsed = schema.parse(raw);
    expect(droppedKeys(raw, parsed)).toEqual([{ path: ['password'], key: 'secret' }]);
    expect(isUnknownKeyAt(schema, ['password'], 'secret')).toBe(false);
    expect(isUnknownKeyAt(schema, [], 'pasword')).toBe(true);
    expect(isUnknownKeyAt(z.record(z.string(), z.number()), [], 'any')).toBe(false);
  });

  it('does not take a key a catch-all object kept for the transform after it for a dropped one', () => {
    // labels gathered from the keys the shape does not name: the transform reads them, the parse drops nothing
    const labels = (object: z.ZodObject) => object.transform(({ name, ...rest }) => ({ name, labels: rest }));
    for (const schema of [labels(z.object({ name: z.string() }).catchall(z.string())), labels(z.looseObject({ name: z.string() })), labels(z.object({ name: z.string() }).passthrough())]) {
      expect(parsePolicyConfig('app/labels', { ...looseConfigPolicy, config: schema }, { name: 'db', env: 'prod' })).toEqual({ name: 'db', labels: { env: 'prod' } });
      expect(isUnknownKeyAt(schema, [], 'env')).toBe(false);
    }
    // a strict object knows no other key, and a plain one drops it
    expect(isUnknownKeyAt(z.strictObject({ name: z.string() }), [], 'env')).toBe(true);
    expect(isUnknownKeyAt(z.object({ name: z.string() }).strip(), [], 'env')).toBe(true);
  });

  it("reports a key named like a member of every object ('constructor', 'toString', '__proto__'), as a strict schema refuses it", () => {
    const schema = z.object({ a: z.number().default(1) });
    for (const raw of [{ constructor: 1 }, { toString: 'x' }, JSON.parse('{"__proto__": {"a": 2}}') as object]) {
      const key = Object.keys(raw)[0] as string;
      expect(() => parsePolicyConfig('app/p', { ...looseConfigPolicy, config: schema }, raw)).toThrow(`config of policy 'app/p': ${key}: unknown key '${key}'`);
    }
    expect(isUnknownKeyAt(schema, [], 'a')).toBe(false);
  });

  it('validate accepts the same module with every key known, and extra keys where its schema keeps them', async () => {
    expect(await problemsOf(withConfig("{ sensor: service.up, window: 1m, limits: { max: 4 }, extra: { kept: 1, other: 2 } }"))).toEqual([]);
  });

  it('attaching at run time (the API, a reconfiguration) refuses a dropped key, naming it', () => {
    expect(() => parsePolicyConfig('app/loose-config', looseConfigPolicy, { sensor: 'service.up', limits: { mx: 4 } })).toThrow(ValidationError);
    expect(() => parsePolicyConfig('app/loose-config', looseConfigPolicy, { sensor: 'service.up', limits: { mx: 4 } })).toThrow("config of policy 'app/loose-config': limits.mx: unknown key 'mx' (did you mean 'max'?)");
    expect(parsePolicyConfig('app/loose-config', looseConfigPolicy, { sensor: 'service.up' })).toMatchObject({ sensor: 'service.up', limits: { max: 3 } });
  });
});
