// The exported StopCoordinator's grace: a value a timer cannot hold is refused with an error naming it (Node's
// setTimeout would wait 1 ms: invocations cut off at once), and a stop given more than the coordinator's own
// grace takes the coordinator's. Virtual time (vitest's fake timers): the coordinator times its grace with setTimeout.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { StopCoordinator } from '../../src/server/index.js';

afterEach(() => {
  vi.useRealTimers();
});

const MAX_TIMER_MS = 2 ** 31 - 1;
const unusable: [string, number][] = [
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['a negative grace', -1],
  ['more than 2^31-1 ms (30 days)', 30 * 24 * 3_600_000],
];

/** A coordinator following one invocation that runs until `finish` is called. */
function withInvocation(graceMs: number): { coordinator: StopCoordinator; finish: () => void } {
  const coordinator = new StopCoordinator(graceMs);
  let finish: () => void = () => undefined;
  coordinator.track(new Promise<void>((resolve) => (finish = resolve)));
  return { coordinator, finish };
}

describe('StopCoordinator grace', () => {
  it.each(unusable)('new StopCoordinator(%s) throws a ValidationError naming the value', (_name, graceMs) => {
    expect(() => new StopCoordinator(graceMs)).toThrow(ValidationError);
    expect(() => new StopCoordinator(graceMs)).toThrow(`StopCoordinator graceMs: must be a duration from 0 to ${MAX_TIMER_MS} ms, got ${String(graceMs)}`);
  });

  it.each(unusable)('stop(%s) throws a ValidationError naming the value and does not start stopping', (_name, graceMs) => {
    vi.useFakeTimers();
    const { coordinator, finish } = withInvocation(10_000);
    expect(() => coordinator.stop(graceMs)).toThrow(`StopCoordinator.stop graceMs: must be a duration from 0 to ${MAX_TIMER_MS} ms, got ${String(graceMs)}`);
    expect(coordinator.stopping).toBe(false);
    expect(coordinator.invocationSignal.aborted).toBe(false);
    finish();
  });

  it('accepts the bounds 0 and 2^31-1 ms', async () => {
    vi.useFakeTimers();
    const longest = withInvocation(MAX_TIMER_MS);
    void longest.coordinator.stop();
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(longest.coordinator.invocationSignal.aborted).toBe(false);
    longest.finish();
    const none = withInvocation(10_000);
    void none.coordinator.stop(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(none.coordinator.invocationSignal.aborted).toBe(true);
    none.finish();
  });

  it('stop(g) with g above the coordinator\'s grace is capped at it', async () => {
    vi.useFakeTimers();
    const { coordinator, finish } = withInvocation(1_000);
    const stopped = coordinator.stop(60_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(coordinator.invocationSignal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(coordinator.invocationSignal.aborted).toBe(true);
    expect(coordinator.invocationSignal.reason).toEqual(new Error('the stop grace of 1000 ms has passed'));
    await stopped;
    finish();
  });

  it('stop(g) with g below the coordinator\'s grace takes g', async () => {
    vi.useFakeTimers();
    const { coordinator, finish } = withInvocation(10_000);
    void coordinator.stop(300);
    await vi.advanceTimersByTimeAsync(299);
    expect(coordinator.invocationSignal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(coordinator.invocationSignal.aborted).toBe(true);
    finish();
  });
});
