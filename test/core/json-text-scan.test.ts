// JSON.parse keeps the last of a key an object has twice, silently. One pass over the text, before it is
// parsed, finds the first such key (keys compared as decoded, so "a" and "\u0061" are one), or a key that
// could change a prototype, with the path to it; and still refuses nesting past the bound before parsing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonKeySet } from '../../src/core/json-key-set.js';
import { scanJsonText } from '../../src/core/json-text-scan.js';

/** A JSON value written with keys as given (escapes and all), so that an object can have a key twice. */
type Written = { object: [string, Written][] } | { array: Written[] } | { scalar: string };

/** Keys written in several ways each: `a` plain and escaped, `é` raw and escaped, an emoji raw and as a surrogate pair. */
const KEY_SPELLINGS = ['a', '\\u0061', 'b', 'é', '\\u00e9', '😀', '\\ud83d\\ude00', '{[', '\\"', 'a\\/b', 'a/b', 'long-key-of-more-than-twenty-characters'];

const written: fc.Arbitrary<Written> = fc.letrec<{ value: Written }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ scalar: fc.constantFrom('1', '"x"', '"{\\"["', 'null', 'true', '[]', '{}') }),
    fc.record({ array: fc.array(tie('value'), { maxLength: 4 }) }),
    fc.record({ object: fc.array(fc.tuple(fc.constantFrom(...KEY_SPELLINGS), tie('value')), { maxLength: 5 }) }),
  ),
})).value;

const textOf = (value: Written): string =>
  'scalar' in value ? value.scalar : 'array' in value ? `[${value.array.map(textOf).join(',')}]` : `{${value.object.map(([k, v]) => `"${k}": ${textOf(v)}`).join(', ')}}`;

/** The first key (in text order) an object has twice, and the path to it, found on the written value. */
function firstDuplicate(value: Written, path: (string | number)[] = []): (string | number)[] | undefined {
  if ('scalar' in value) return undefined;
  if ('array' in value) {
    for (const [i, item] of value.array.entries()) {
      const found = firstDuplicate(item, [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  const seen = new Set<string>();
  for (const [spelled, item] of value.object) {
    const key = JSON.parse(`"${spelled}"`) as string;
    if (seen.has(key)) return [...path, key];
    seen.add(key);
    const found = firstDuplicate(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

describe('one pass over a JSON text for keys an object has twice', () => {
  it('finds the first duplicate key and the path to it, however its keys are spelled', () => {
    fc.assert(
      fc.property(written, (value) => {
        const scan = scanJsonText(textOf(value));
        const expected = firstDuplicate(value);
        expect(scan.key?.path).toEqual(expected);
        if (expected) expect(scan.key).toMatchObject({ kind: 'duplicate', key: expected.at(-1) });
      }),
      { numRuns: 2000 },
    );
  });

  it('finds nothing in any JSON.stringify output (an object cannot have a key twice)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const text = JSON.stringify(value);
        fc.pre(!text.includes('"__proto__"'));
        expect(scanJsonText(text)).toEqual({});
        expect(scanJsonText(JSON.stringify(value, null, 2))).toEqual({});
      }),
      { numRuns: 500 },
    );
  });

  it('points at the second key: its position is the opening quote JSON.parse would have counted', () => {
    const text = '{"x": [1, {"é": "\\"}{", "ok": {"é": 1}, "\\u00e9": 2}]}';
    const found = scanJsonText(text).key;
    expect(found).toEqual({ kind: 'duplicate', key: 'é', path: ['x', 1, 'é'], position: text.indexOf('"\\u00e9"') });
  });

  it('names __proto__ and constructor.prototype with the path of the object holding them', () => {
    expect(scanJsonText('{"a": [0, {"__proto__": {}}]}').key).toMatchObject({ kind: 'prototype', key: '__proto__', path: ['a', 1] });
    expect(scanJsonText('{"b": {"constructor": {"x": 1, "prototype": {}}}}').key).toMatchObject({ kind: 'prototype', key: 'constructor.prototype', path: ['b'] });
    expect(scanJsonText('{"constructor": [{"prototype": {}}], "prototype": 1}')).toEqual({});
  });

  it('still refuses nesting past the bound before anything else', () => {
    expect(scanJsonText(`{"a": 1, "a": 2, "b": ${'['.repeat(300)}${']'.repeat(300)}}`).nesting).toMatch(/deeper than 256 levels/);
  });

  it('finds a duplicate among many keys, and among keys whose hashes all collide', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `"key${i}": ${i}`);
    expect(scanJsonText(`{${keys.join(',')}}`)).toEqual({});
    expect(scanJsonText(`{${keys.join(',')}, "key19999": 0}`).key?.path).toEqual(['key19999']);
    // every key under one hash: the table gives up probing and the keys move to a Set, which still tells them apart
    const names = Array.from({ length: 500 }, (_, i) => `k${i}`);
    const text = names.join('');
    const set = new JsonKeySet(text);
    let start = 0;
    for (const name of names) {
      expect(set.add(start, name.length, 7)).toBe(false);
      start += name.length;
    }
    expect(set.add(0, 2, 7)).toBe(true);
    expect(set.add(0, 0, 7, 'k499')).toBe(true);
    expect(set.add(0, 0, 7, 'k500')).toBe(false);
  });
});
