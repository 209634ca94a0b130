import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isEmptyObjectSchema } from '../../src/effectors/empty-params.js';
import { EffectorInvoker } from '../../src/effectors/invoker.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

describe('isEmptyObjectSchema', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['z.object({})', z.object({}), true],
    ['z.strictObject({})', z.strictObject({}), true],
    ['z.looseObject({})', z.looseObject({}), true],
    ['a key', z.object({ size: z.number() }), false],
    ['a key with a default', z.object({ size: z.number().default(1) }), false],
    ['a refinement', z.object({}).refine(() => false, 'never'), false],
    ['a transform', z.object({}).transform(() => ({ added: 1 })), false],
    ['optional', z.object({}).optional(), false],
    ['a default', z.object({}).default({}), false],
    ['not an object schema', z.string(), false],
    ['not zod', { parse: () => ({}) }, false],
    ['null', null, false],
  ];
  for (const [name, schema, expected] of cases) {
    it(`${name}: ${expected ? 'takes no params, parses {} to {}' : 'is parsed'}`, () => {
      expect(isEmptyObjectSchema(schema)).toBe(expected);
      // the verdict is zod's: where it is true, zod gives {} for {}
      if (expected) expect((schema as z.ZodType).parse({})).toEqual({});
    });
  }
});

describe('an invocation without params', () => {
  const person = { caller: { kind: 'person' as const, name: 'ann' } };

  it('gives an effector that takes none a new {} each time, through invoke and prepare alike', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const seen: object[] = [];
    const restart = defineEffector({ name: 'restart', params: z.object({}), run: (params) => void seen.push(Object.assign(params, { changedBy: seen.length })) });
    const web = tree.add({ id: 'web', type: 'server', effectors: [restart] });
    const invoker = new EffectorInvoker(clock);
    await invoker.invoke(web, 'restart', undefined, person);
    const prepared = invoker.prepare(web, 'restart', undefined, person);
    expect(prepared).toBeDefined();
    invoker.runPrepared(prepared as NonNullable<typeof prepared>);
    await invoker.invoke(web, 'restart', undefined, person);
    expect(seen).toEqual([{ changedBy: 0 }, { changedBy: 1 }, { changedBy: 2 }]);
    expect(new Set(seen).size).toBe(3);
  });

  it('is still checked by a schema that refines the empty object, and refused with where and what', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const never = defineEffector({ name: 'drain', params: z.object({}).refine(() => false, 'drain needs a window'), run: () => undefined });
    const web = tree.add({ id: 'web', type: 'server', effectors: [never] });
    await expect(new EffectorInvoker(clock).invoke(web, 'drain', undefined, person)).rejects.toThrow(/params of web\.drain.*drain needs a window/);
  });
});
