import { describe, expect, it } from 'vitest';
import { closestKey, editDistance, unknownKeyMessage } from '../../src/blueprint/key-suggestions.js';

// Suggestions are looked for on every unknown key (50,000 of them took 5.5 s of a 10 s validate): the distance
// keeps three rows instead of the table, and candidates longer or shorter than the limit are not compared;
// the answers must stay the same.
describe('key suggestions', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps, ignoring case', () => {
    expect(editDistance('maxRestart', 'maxRestarts')).toBe(1);
    expect(editDistance('colour', 'color')).toBe(1);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('ca', 'abc')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('Config', 'cONFIG')).toBe(0);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests the closest key within a third of the length, and lists the known keys otherwise', () => {
    expect(closestKey('maxRestart', ['maxRestarts', 'window', 'failureDelay'])).toBe('maxRestarts');
    expect(closestKey('x'.repeat(100_000), ['id', 'type'])).toBeUndefined();
    expect(unknownKeyMessage('colour', ['id', 'type', 'config'])).toBe("unknown key 'colour' (known: config, id, type)");
  });
});
