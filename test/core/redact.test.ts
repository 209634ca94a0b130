import { describe, expect, it } from 'vitest';
import { isTruncated, redact } from '../../src/core/redact.js';

function nest(levels: number, leaf: Record<string, unknown>): Record<string, unknown> {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { level: value, list: [i] };
  return value;
}

describe('redact', () => {
  it('redacts secret-looking keys at any depth within its bound, and nothing deeper survives in clear', () => {
    for (const levels of [0, 1, 8, 9, 12, 15]) {
      const out = JSON.stringify(redact(nest(levels, { apiKey: 'k-123', password: 'hunter2', keep: 'visible' })));
      expect(out).not.toMatch(/k-123|hunter2/);
      expect(out).toContain('visible');
    }
    for (const levels of [16, 40, 10_000]) {
      const out = JSON.stringify(redact(nest(levels, { token: 'abc-secret-value' })));
      expect(out).not.toContain('abc-secret-value');
      expect(out).toContain('[truncated: deeper than 16 levels]');
    }
  });

  it('gives each key the same verdict every time it is asked: remembered or not, short or long, before and after the memo fills', () => {
    const long = `x${'y'.repeat(70)}Token`;
    const verdicts = (): unknown[] => [redact({ password: 'p', value: 1 }), redact({ [long]: 'l', plain: 2 }), redact({ nested: { apiKey: 'k', bound: 3 } })];
    const first = verdicts();
    expect(first).toEqual([{ password: '[redacted]', value: 1 }, { [long]: '[redacted]', plain: 2 }, { nested: { apiKey: '[redacted]', bound: 3 } }]);
    expect(verdicts()).toEqual(first);
    // more distinct keys than the memo keeps, secret-looking and not
    for (let i = 0; i < 1_500; i++) expect(redact({ [`k${i}`]: i, [`secret${i}`]: 's' })).toEqual({ [`k${i}`]: i, [`secret${i}`]: '[redacted]' });
    expect(redact({ sessionCookie: 'c', fresh: 4 })).toEqual({ sessionCookie: '[redacted]', fresh: 4 });
    expect(verdicts()).toEqual(first);
  });

  it('bounds arrays, keys, strings and the total size, marking every cut', () => {
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]));
    const out = redact({ items: Array.from({ length: 1000 }, (_, i) => i), wide, text: 'y'.repeat(5000) }) as Record<string, unknown>;
    expect((out['items'] as unknown[]).length).toBe(201);
    expect((out['items'] as unknown[])[200]).toBe('[truncated: 800 more items]');
    expect(Object.keys(out['wide'] as object)).toHaveLength(201);
    expect((out['wide'] as Record<string, unknown>)['[truncated]']).toBe('100 more keys');
    expect(out['text']).toMatch(/…\[truncated: 904 more characters\]$/);
    expect(isTruncated(out)).toBe(true);
    const huge = Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => ({ a: 1 })));
    expect(JSON.stringify(redact(huge))).toContain('[truncated: more than 5000 values]');
    expect(isTruncated(redact({ a: 1 }))).toBe(false);
  });

  it('never throws: cycles, bigints, functions and throwing getters become markers', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    const getter = Object.defineProperty({}, 'bad', { enumerable: true, get: () => { throw new Error('no'); } });
    expect(redact({ cyclic, n: 10n, f: () => 1, getter })).toEqual({ cyclic: { a: 1, self: '[circular]' }, n: '10', f: '[function]', getter: { bad: '[unreadable]' } });
  });
});
