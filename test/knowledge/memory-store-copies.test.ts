import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import type { Decision } from '../../src/knowledge/decision.js';

function decision(extra: Record<string, unknown>): Decision {
  return { id: 'd1', at: 1, entity: 'web', policy: 'p', policyName: 'p', symptom: { kind: 'k' }, actions: [], reason: 'r', inputs: [], outcome: 'applied', ...extra } as unknown as Decision;
}

describe('MemoryStore read copies of odd records', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic['self'] = cyclic;
  const deep: Record<string, unknown> = {};
  let at = deep;
  for (let i = 0; i < 200; i++) at = (at['n'] = {}) as Record<string, unknown>;
  const odd: Array<[string, Record<string, unknown>]> = [
    ['a Map and a Date', { detail: { when: new Date(5), m: new Map([[1, { x: 2 }]]) } }],
    ['a cycle', { detail: cyclic }],
    ['a __proto__ key', { detail: JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as unknown }],
    ['nesting past the plain bound', { detail: deep }],
    ['keys out of order and extra keys', { zzz: 1 }],
    ['a typed array and a bigint', { detail: { t: new Float64Array([1, 2]), b: 10n } }],
    ['an Error', { detail: { e: new Error('boom') } }],
    ['a sparse array', { detail: { s: [1, , 3] } }],
    ['symptom as an array', { symptom: ['x'] }],
  ];
  for (const [name, extra] of odd) {
    it(`reads back ${name} as structuredClone would, and a reader's change stays its own`, async () => {
      const store = new MemoryStore();
      const written = decision(extra);
      await store.write([{ kind: 'decision', value: written }]);
      const [read] = await store.queryDecisions({});
      expect(read).toEqual(structuredClone(written));
      expect(await store.getDecision('d1')).toEqual(structuredClone(written));
      (read as unknown as Record<string, unknown>)['reason'] = 'changed';
      expect((await store.getDecision('d1'))?.reason).toBe('r');
    });
  }
});
