import { config, filter, map, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Broadcast } from '../../src/core/broadcast.js';

afterEach(() => {
  config.onUnhandledError = null;
  vi.useRealTimers();
});

describe('Broadcast', () => {
  it('hands each value to every subscriber in subscription order, replaying nothing to a late one', () => {
    const broadcast = new Broadcast<number>();
    const heard: string[] = [];
    broadcast.next(0);
    broadcast.stream.subscribe((v) => heard.push(`a${v}`));
    broadcast.next(1);
    broadcast.stream.pipe(map((v) => v * 10)).subscribe((v) => heard.push(`b${v}`));
    broadcast.next(2);
    expect(heard).toEqual(['a1', 'a2', 'b20']);
  });

  it('says whether anyone listens, and stops handing values to one that unsubscribed', () => {
    const broadcast = new Broadcast<number>();
    expect(broadcast.observed).toBe(false);
    const heard: number[] = [];
    const subscription = broadcast.stream.subscribe((v) => heard.push(v));
    expect(broadcast.observed).toBe(true);
    broadcast.next(1);
    subscription.unsubscribe();
    expect(broadcast.observed).toBe(false);
    broadcast.next(2);
    expect(heard).toEqual([1]);
  });

  it('keeps the emission in progress steady while subscribers join and leave during it', () => {
    const broadcast = new Broadcast<number>();
    const heard: string[] = [];
    const holder: { second?: Subscription } = {};
    let joined = false;
    broadcast.stream.subscribe((v) => {
      heard.push(`first ${v}`);
      holder.second?.unsubscribe(); // the second leaves before its turn: it hears nothing more
      if (!joined) {
        joined = true;
        broadcast.stream.subscribe((w) => heard.push(`late ${w}`)); // joins: hears only later values
      }
    });
    holder.second = broadcast.stream.subscribe((v) => heard.push(`second ${v}`));
    broadcast.next(1);
    broadcast.next(2);
    expect(heard).toEqual(['first 1', 'first 2', 'late 2']);
  });

  it('a subscriber that throws fails only itself: the others still hear the value, and the error is reported', () => {
    vi.useFakeTimers(); // RxJS reports a consumer's error on a timer
    const broadcast = new Broadcast<number>();
    const reported: unknown[] = [];
    config.onUnhandledError = (error) => reported.push(error);
    const heard: number[] = [];
    const failed: unknown[] = [];
    broadcast.stream.subscribe(() => {
      throw new Error('consumer bug');
    });
    broadcast.stream.pipe(filter((v) => (v === 2 ? (() => { throw new Error('operator bug'); })() : true))).subscribe({ next: (v) => heard.push(-v), error: (e) => failed.push(e) });
    broadcast.stream.subscribe((v) => heard.push(v));
    broadcast.next(1);
    broadcast.next(2);
    expect(heard).toEqual([-1, 1, 2]);
    expect(failed).toHaveLength(1);
    expect(broadcast.observed).toBe(true);
    vi.runAllTimers();
    expect(reported.map((e) => (e as Error).message)).toEqual(['consumer bug', 'consumer bug']);
  });

  it('hands out the same stream each time', () => {
    const broadcast = new Broadcast<number>();
    expect(broadcast.stream).toBe(broadcast.stream);
  });
});
