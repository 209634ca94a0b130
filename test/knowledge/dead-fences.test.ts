// The lost leases a write queue remembers: exact per token, bounded per lease however often leadership moves.
import { describe, expect, it } from 'vitest';
import { DeadFences } from '../../src/knowledge/dead-fences.js';

describe('lost leases remembered by a write queue', () => {
  it('knows a lost token of a lease and writer, and not the token it holds after', () => {
    const dead = new DeadFences();
    dead.add({ lease: 'root', owner: 'me', token: 5 });
    expect(dead.has({ lease: 'root', owner: 'me', token: 5 })).toBe(true);
    expect(dead.has({ lease: 'root', owner: 'me', token: 7 })).toBe(false);
    expect(dead.has({ lease: 's1', owner: 'me', token: 5 })).toBe(false);
    expect(dead.has({ lease: 'root', owner: 'other', token: 5 })).toBe(false);
  });

  it('keeps a few tokens per lease, not one per lost lease, over a year of leadership moving every ten seconds', () => {
    const dead = new DeadFences();
    const moves = 3_153_600;
    for (let token = 1; token <= moves; token++) dead.add({ lease: token % 2 === 0 ? 'root' : 's1', owner: 'me', token });
    expect(dead.size).toBeLessThanOrEqual(16);
    // the latest ones, which a write made just before the instance noticed can still carry, are the ones kept
    expect(dead.has({ lease: 'root', owner: 'me', token: moves })).toBe(true);
    expect(dead.has({ lease: 's1', owner: 'me', token: moves - 1 })).toBe(true);
  });
});
