import { describe, expect, it, vi } from 'vitest';
import * as errors from '../../src/core/errors.js';

/** A second, separately loaded copy of the errors module (as a policy module importing the package gets). */
async function otherCopy(): Promise<typeof errors> {
  vi.resetModules();
  return (await import('../../src/core/errors.js')) as typeof errors;
}

describe('HomeostatError across copies of homeostat', () => {
  it('recognises an error made by another loaded copy, so that its code and retryable count', async () => {
    const other = await otherCopy();
    expect(other.HomeostatError).not.toBe(errors.HomeostatError);
    const thrown = new other.TerminalEffectorError('credentials revoked');
    expect(thrown instanceof errors.HomeostatError).toBe(true);
    expect(new other.HomeostatError('E_X', 'x', { retryable: true }) instanceof errors.HomeostatError).toBe(true);
  });

  it('keeps the ordinary check for subclasses and for errors that are not homeostat errors', () => {
    expect(new errors.HomeostatError('E_X', 'x') instanceof errors.TerminalEffectorError).toBe(false);
    expect(new errors.TerminalEffectorError('x') instanceof errors.TerminalEffectorError).toBe(true);
    expect(new errors.UnknownEntityError('a') instanceof errors.HomeostatError).toBe(true);
    expect(new Error('plain') instanceof errors.HomeostatError).toBe(false);
    expect(Object.create(Error.prototype) instanceof errors.HomeostatError).toBe(false);
    expect((null as unknown as object) instanceof errors.HomeostatError).toBe(false);
  });
});
