import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { INVALID, finiteNumber, readingValidator } from '../../src/sensors/reading-validator.js';

describe('readingValidator', () => {
  it('gives one validator per schema, shared by every sensor made from it', () => {
    const state = z.enum(['up', 'down']);
    const first = readingValidator(state);
    expect(readingValidator(state)).toBe(first);
    expect(readingValidator(z.enum(['up', 'down']))).not.toBe(first);
    expect(readingValidator(z.number())).toBe(finiteNumber);
  });

  it('a shared validator still checks and explains each value on its own', () => {
    const ratio = z.number().min(0).max(1);
    const validator = readingValidator(ratio);
    expect(validator.check(0.5)).toBe(0.5);
    expect(readingValidator(ratio).check(2)).toBe(INVALID);
    expect(validator.explain(2)).toMatch(/value: .*1/);
    expect(validator.explain(0.5)).toBe('valid');
  });
});
