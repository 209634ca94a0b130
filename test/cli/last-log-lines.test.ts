// drainLastLines: waits for the log's last lines at most its time, and a second signal ends the wait at once.
// Virtual time (vitest's fake timers): the fallback is a setTimeout.
import type { Logger } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drainLastLines } from '../../src/cli/last-log-lines.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A logger whose flush calls back only when `drain` is called. */
function stalledLogger(): { logger: Logger; drain: () => void } {
  let done: (() => void) | undefined;
  return { logger: { flush: (callback: () => void) => (done = callback) } as unknown as Logger, drain: () => done?.() };
}

describe('drainLastLines', () => {
  it('resolves with a signal that comes while the lines cannot drain, before the wait is over', async () => {
    vi.useFakeTimers();
    const { logger } = stalledLogger();
    let signal: (s: NodeJS.Signals) => void = () => undefined;
    const drained = drainLastLines(logger, 1_000, new Promise((resolve) => (signal = resolve)));
    await vi.advanceTimersByTimeAsync(300);
    signal('SIGTERM');
    await expect(drained).resolves.toBe('SIGTERM');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves undefined once the lines are written, or when the wait is over', async () => {
    vi.useFakeTimers();
    const flushing = stalledLogger();
    const written = drainLastLines(flushing.logger, 1_000, new Promise(() => undefined));
    flushing.drain();
    await expect(written).resolves.toBeUndefined();
    const stalled = drainLastLines(stalledLogger().logger, 1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(stalled).resolves.toBeUndefined();
    const noFlush = { flush: () => { throw new Error('no flush'); } } as unknown as Logger;
    await expect(drainLastLines(noFlush, 1_000)).resolves.toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });
});
