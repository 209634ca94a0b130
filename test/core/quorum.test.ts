import { describe, expect, it } from 'vitest';
import { hasQuorum } from '../../src/core/quorum.js';

describe('hasQuorum', () => {
  it('applies each rule, counting unknown health as not up', () => {
    const ups = [true, false, undefined, true];
    expect(hasQuorum({ rule: 'all' }, ups)).toBe(false);
    expect(hasQuorum({ rule: 'all' }, [true, true])).toBe(true);
    expect(hasQuorum({ rule: 'all' }, [])).toBe(false);
    expect(hasQuorum({ rule: 'atLeastOne' }, ups)).toBe(true);
    expect(hasQuorum({ rule: 'atLeastOne' }, [undefined, false])).toBe(false);
    expect(hasQuorum({ rule: 'atLeast', n: 2 }, ups)).toBe(true);
    expect(hasQuorum({ rule: 'atLeast', n: 3 }, ups)).toBe(false);
    expect(hasQuorum({ rule: 'fraction', value: 0.5 }, ups)).toBe(true);
    expect(hasQuorum({ rule: 'fraction', value: 0.75 }, ups)).toBe(false);
  });
});
