import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { numberSensor } from '../../../src/sensors/define-sensor.js';
import { FeedBoard, FeedHealth, type FeedEvent } from '../../../src/sensors/feeds/feed-health.js';
import type { FeedReader } from '../../../src/sensors/feeds/feed-kind.js';
import { nextDelay, runFeed } from '../../../src/sensors/feeds/feed-runner.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

function setup(read: FeedReader, overrides: { jitter?: number; random?: () => number } = {}) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const entity = tree.add({ id: 'svc', type: 'entity', sensors: [numberSensor('rps', { staleAfterMs: 25_000 })] });
  const board = new FeedBoard();
  const events: FeedEvent[] = [];
  board.events$.subscribe((e) => events.push(e));
  const health = new FeedHealth('svc/feeds/0', 'test', 'svc', 'rps');
  board.add(health);
  const subscription = runFeed({ read, sensor: 'rps', everyMs: 10_000, timeoutMs: 2_000, jitter: overrides.jitter ?? 0, maxBackoffMs: 60_000, health, board, random: overrides.random ?? (() => 0.5) }, clock);
  return { clock, entity, health, events, subscription, board };
}

describe('runFeed (virtual time)', () => {
  it('keeps at most 1,000 characters of a failed read\'s message, in its health and its event, saying how long it was', async () => {
    const huge = `upstream said: ${'x'.repeat(10_000_000)}`;
    const { clock, health, events, subscription } = setup(async () => {
      throw new Error(huge);
    });
    await clock.settle();
    expect(health.lastError).toBe(`${huge.slice(0, 1_000)}... (${huge.length} characters)`);
    expect(events.find((e) => e.type === 'poll')).toMatchObject({ result: 'error', error: health.lastError });
    subscription.unsubscribe();
  });

  it('starts no read beside one that ignored its abort, says why, and reads again once it has ended', async () => {
    let calls = 0;
    let release: (() => void) | undefined;
    const { clock, entity, health, subscription } = setup(async () => {
      calls += 1;
      // the first read ignores its abort (a FIFO's open), as a thread of Node's pool holds it until released
      if (calls === 1) return new Promise((resolve) => (release = () => resolve({ samples: [{ entity, value: 1 }], missing: [] })));
      return { samples: [{ entity, value: 2 }], missing: [] };
    });
    await clock.settle();
    await clock.advanceBy(2_000);
    expect(health.lastError).toMatch(/no answer within 2000 ms/);
    // two polls later the read is still held: neither starts a second read
    await clock.advanceBy(20_000);
    await clock.advanceBy(40_000);
    expect(calls).toBe(1);
    expect(health.consecutiveFailures).toBe(3);
    expect(health.lastError).toMatch(/^the read that timed out \d+ ms ago has still not ended \(it ignores its abort: a file that blocks on open, a hung mount\?\); no new read starts until it does$/);
    // its late answer is not published (its poll was over); the next poll reads anew
    release?.();
    await clock.advanceTo(health.nextPollAt as number);
    expect(calls).toBe(2);
    expect(entity.sensor<number>('rps').value).toBe(2);
    expect(health.consecutiveFailures).toBe(0);
    subscription.unsubscribe();
  });

  it('publishes each read, and a NaN or an empty result never becomes a value (counted instead)', async () => {
    const answers: unknown[] = [42, Number.NaN, 'missing', 7];
    const { clock, entity, health, subscription } = setup(async () => {
      const next = answers.shift();
      return next === 'missing' ? { samples: [], missing: [{ entity, reason: 'empty result' }] } : { samples: [{ entity, value: next }], missing: [] };
    });
    const sensor = entity.sensor<number>('rps');
    await clock.settle();
    expect(sensor.value).toBe(42);
    await clock.advanceBy(10_000);
    expect(sensor.current?.value).toBe(42);
    expect(health.rejected).toBe(1);
    expect(health.lastMissing).toBeNull();
    await clock.advanceBy(10_000);
    expect(health.missing).toBe(1);
    // why the value was missing is kept, with when, for the API (it was counted and nothing else)
    expect(health.lastMissing).toEqual({ at: 20_000, reason: 'empty result' });
    expect(health.snapshot().lastMissing).toEqual({ at: 20_000, reason: 'empty result' });
    expect(sensor.current?.value).toBe(42);
    // 20 s after the last good reading it is still fresh, 26 s after it is stale: missing data goes stale, not zero
    await clock.advanceBy(6_000);
    expect(sensor.value).toBeUndefined();
    await clock.advanceBy(4_000);
    expect(sensor.value).toBe(7);
    expect(health.consecutiveFailures).toBe(0);
    subscription.unsubscribe();
  });

  it('aborts a read at its timeout, counts the failure and backs off while failing', async () => {
    let calls = 0;
    let hang = true;
    const { clock, entity, health, events, subscription } = setup(async (signal) => {
      calls += 1;
      if (!hang) return { samples: [{ entity, value: 1 }], missing: [] };
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    });
    await clock.settle();
    expect(calls).toBe(1);
    await clock.advanceBy(2_000);
    expect(health.consecutiveFailures).toBe(1);
    expect(health.lastError).toMatch(/no answer within 2000 ms/);
    expect(events.filter((e) => e.type === 'poll').map((e) => (e as { result: string }).result)).toEqual(['timeout']);
    // next read after 2 x every (backoff), not after every
    expect(health.nextPollAt).toBe(2_000 + 20_000);
    await clock.advanceBy(20_000);
    expect(calls).toBe(2);
    await clock.advanceBy(2_000);
    expect(health.consecutiveFailures).toBe(2);
    expect(health.nextPollAt).toBe(24_000 + 40_000);
    hang = false;
    await clock.advanceTo(64_000);
    expect(health.consecutiveFailures).toBe(0);
    expect(health.lastSuccessAt).toBe(64_000);
    expect(entity.sensor('rps').value).toBe(1);
    expect(health.nextPollAt).toBe(74_000);
    subscription.unsubscribe();
  });

  it('a thrown error is a failed poll with its message; stopping aborts the read in flight', async () => {
    let aborted = false;
    let fail = true;
    const { clock, health, subscription } = setup(async (signal) => {
      if (fail) throw new Error('HTTP 503 from prometheus');
      return new Promise((_r, reject) => signal.addEventListener('abort', () => ((aborted = true), reject(new Error('stop')))));
    });
    await clock.settle();
    expect(health.lastError).toBe('HTTP 503 from prometheus');
    fail = false;
    await clock.advanceBy(20_000);
    subscription.unsubscribe();
    expect(aborted).toBe(true);
    const polls = health.polls;
    await clock.advanceBy(100_000);
    expect(health.polls).toBe(polls);
  });

  it('jitter lengthens waits by up to its fraction, and backoff stops at maxBackoff', () => {
    const options = { everyMs: 10_000, maxBackoffMs: 60_000, jitter: 0.2 };
    expect(nextDelay({ ...options, random: () => 0 }, 0)).toBe(10_000);
    expect(nextDelay({ ...options, random: () => 0.999 }, 0)).toBe(11_998);
    expect(nextDelay({ ...options, random: () => 0 }, 3)).toBe(60_000);
    expect(nextDelay({ ...options, random: () => 0 }, 40)).toBe(60_000);
  });

  it('spreads first reads over the jitter fraction of every', async () => {
    let calls = 0;
    const { clock, subscription } = setup(async () => ((calls += 1), { samples: [], missing: [] }), { jitter: 0.5, random: () => 0.5 });
    await clock.advanceBy(2_499);
    expect(calls).toBe(0);
    await clock.advanceBy(1);
    expect(calls).toBe(1);
    subscription.unsubscribe();
  });
});
