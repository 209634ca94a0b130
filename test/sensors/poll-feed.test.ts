import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../src/core/entity-tree.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { pollFeed, type FeedError } from '../../src/sensors/poll-feed.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

describe('pollFeed', () => {
  it('polls on the scheduler period; errors are reported and publish nothing; bad values are rejected', async () => {
    const clock = new VirtualClock();
    const sensor = new EntityTree(clock).add({ id: 'a', type: 't', sensors: [numberSensor('queue.depth')] }).sensor<number>('queue.depth');
    const answers: Array<() => unknown> = [() => 5, () => { throw new Error('connection refused'); }, () => 'lots', () => 7];
    const errors: FeedError[] = [];
    const seen: number[] = [];
    sensor.readings$.subscribe((r) => seen.push(r.at));
    const feed = pollFeed({ sensor, periodMs: 10_000, poll: async () => answers.shift()?.() as number }, clock);
    feed.errors$.subscribe((e) => errors.push(e));
    await clock.advanceBy(30_000);
    expect(seen).toEqual([0, 30_000]);
    expect(sensor.value).toBe(7);
    expect(errors).toEqual([{ entity: 'a', sensor: 'queue.depth', at: 10_000, message: 'connection refused' }]);
    expect(sensor.rejectedCount).toBe(1);
    feed.subscription.unsubscribe();
  });
});
