// JSON.parse builds every level of a text before any depth check can run: a 16 MiB `[[[[...` answer of a feed
// held the event loop for seconds and a GiB of memory, and a 1 MiB API body for 0.3 s per request. Texts
// nested past the bound are now refused before parsing, by one pass that counts brackets outside strings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_TEXT_DEPTH, jsonNestingProblem, withoutByteOrderMark } from '../../src/core/json-nesting.js';
import { fromJson } from '../../src/sensors/feeds/http.js';
import { parseScanReport } from '../../src/sensors/feeds/scan/scan-report.js';
import { parseJsonBody } from '../../src/server/json-body.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** How deep a parsed JSON value nests arrays and objects (a scalar: 0). */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const items: unknown[] = Array.isArray(value) ? value : Object.values(value);
  return 1 + items.reduce<number>((deepest, item) => Math.max(deepest, depthOf(item)), 0);
}

/** A value nested `levels` deep, alternating arrays and objects, with strings that hold brackets and quotes. */
const nested = (levels: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? ['[{"\\', value] : { '}]"': value, k: '[[[' };
  return value;
};

describe('JSON nesting, counted before parsing', () => {
  it('agrees with the depth of the parsed value, whatever brackets and escapes its strings hold', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 8 }), (value, bound) => {
        const text = JSON.stringify(value);
        expect(jsonNestingProblem(text, bound) === undefined).toBe(depthOf(value) <= bound);
      }),
      { numRuns: 500 },
    );
  });

  it('takes a value at the bound and refuses one a level past it', () => {
    expect(jsonNestingProblem(JSON.stringify(nested(MAX_JSON_TEXT_DEPTH, '}}]]')))).toBeUndefined();
    expect(jsonNestingProblem(JSON.stringify(nested(MAX_JSON_TEXT_DEPTH + 1, 1)))).toBe(`it nests arrays and objects deeper than ${MAX_JSON_TEXT_DEPTH} levels (refused before parsing)`);
  });

  it('reads a feed answer or a scan report that starts with a byte-order mark as the JSON after it', () => {
    const entity = new EntityTree(new VirtualClock()).add({ id: 'svc', type: 'entity' });
    expect(fromJson(entity, '\uFEFF{"a":{"b":3}}', '/a/b')).toEqual({ samples: [{ entity, value: 3 }], missing: [] });
    expect(parseScanReport('\uFEFF{"results":[]}', 'osv')).toEqual([]);
    expect(withoutByteOrderMark('{"a":1}')).toBe('{"a":1}');
  });

  it('refuses 8 MiB of brackets where each reader meets it: a feed answer, a scan report, an API body', () => {
    const deep = `${'['.repeat(4 * 1024 * 1024)}${']'.repeat(4 * 1024 * 1024)}`;
    const entity = new EntityTree(new VirtualClock()).add({ id: 'svc', type: 'entity' });
    expect(() => fromJson(entity, deep, '', 'the answer of db:8080')).toThrow('the answer of db:8080 is not taken: it nests arrays and objects deeper than 256 levels (refused before parsing)');
    expect(() => parseScanReport(deep)).toThrow(/deeper than 256 levels/);
    expect(() => parseJsonBody(deep)).toThrow('the body is not taken: it nests arrays and objects deeper than 256 levels (refused before parsing)');
  });
});
