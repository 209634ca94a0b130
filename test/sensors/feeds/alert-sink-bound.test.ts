// The firing alerts an AlertSink keeps are bounded (maxActive): each is kept until its resolution comes, and
// with `send_resolved: false`, lost resolutions or alerts whose labels change they only grew (40,000 alerts
// held 127 MB, and each webhook call walked all of them). A new alert that finds the sink full is never
// refused: alerts whose endsAt has passed (by the tree's scheduler) make room first, then the one not heard
// of for longest, and each dropped alert is published as resolved. Otherwise, once maxActive alerts had fired
// without a resolution, every later one, a new critical one included, was refused for the life of the process.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { defineSensor } from '../../../src/sensors/define-sensor.js';
import { AlertSink } from '../../../src/sensors/feeds/alert-sink.js';
import { webhookPayloadSchema } from '../../../src/sensors/feeds/alertmanager-payload.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

const START = Date.parse('2024-01-01T00:00:00Z');
/** An ISO time `minutes` after START. */
const at = (minutes: number): string => new Date(START + minutes * 60_000).toISOString();
/** Go's zero time: what Alertmanager sends as endsAt for a firing alert without an end. */
const NO_END = '0001-01-01T00:00:00Z';

const notice = (fingerprints: string[], status: 'firing' | 'resolved' = 'firing', endsAt = at(60)) => webhookPayloadSchema.parse({
  version: '4',
  status,
  alerts: fingerprints.map((fingerprint) => ({ status, labels: { alertname: 'DbDown', entity: 'db', fp: fingerprint }, startsAt: at(0), endsAt, fingerprint })),
});

/** A tree whose `db` has an `alerts` sensor, on a virtual clock at START. */
function setup(maxActive: number) {
  const clock = new VirtualClock(START);
  const tree = new EntityTree(clock);
  const db = tree.add({ id: 'db', type: 'entity', sensors: [defineSensor({ name: 'alerts', schema: z.unknown() })] });
  const sink = new AlertSink(tree, { maxActive });
  const firing = (): number | undefined => db.sensor<{ firing: number }>('alerts').value?.firing;
  return { clock, sink, firing };
}

describe('AlertSink bounds the alerts it keeps firing', () => {
  it('keeps at most maxActive: a new alert evicts the one not heard of for longest, and a repeat counts as heard', () => {
    const { sink, firing } = setup(3);
    expect(sink.receive(notice(['a', 'b', 'c', 'd', 'e']))).toMatchObject({ received: 5, published: 5, evicted: 2, unmatched: [] });
    expect(sink.alerts('db').map((a) => a.fingerprint)).toEqual(['c', 'd', 'e']);
    expect(firing()).toBe(3);
    // a repeat of c is a duplicate, and makes d the oldest
    expect(sink.receive(notice(['c']))).toMatchObject({ duplicates: 1 });
    expect(sink.receive(notice(['f']))).toMatchObject({ published: 1, evicted: 1, unmatched: [] });
    expect(sink.alerts('db').map((a) => a.fingerprint)).toEqual(['e', 'c', 'f']);
    // a resolution makes room without an eviction
    sink.receive(notice(['e'], 'resolved'));
    expect(sink.receive(notice(['g']))).toEqual({ received: 1, published: 1, duplicates: 0, unmatched: [] });
    expect(firing()).toBe(3);
  });

  it('alerts whose endsAt passed long ago, never resolved, do not keep a new one out', async () => {
    const { clock, sink, firing } = setup(2);
    expect(sink.receive(notice(['a', 'b'], 'firing', at(5)))).toMatchObject({ published: 2 });
    // a year later, with send_resolved: false, no resolution of a or b has come
    await clock.advanceBy(365 * 24 * 3_600_000);
    const later = sink.receive(notice(['c'], 'firing', new Date(clock.now() + 300_000).toISOString()));
    expect(later).toMatchObject({ published: 1, evicted: 2, unmatched: [] });
    expect(sink.alerts('db').map((a) => a.fingerprint)).toEqual(['c']);
    expect(firing()).toBe(1);
  });

  it('drops alerts past their endsAt before the oldest one still within it, and only when room is needed', async () => {
    const { clock, sink } = setup(3);
    sink.receive(notice(['lasting'], 'firing', at(60)));
    sink.receive(notice(['unending'], 'firing', NO_END));
    sink.receive(notice(['brief'], 'firing', at(5)));
    await clock.advanceBy(10 * 60_000);
    // past its endsAt, brief is still kept while there is no need for room (a resolution may still come)
    expect(sink.alerts('db').map((a) => a.fingerprint)).toEqual(['lasting', 'unending', 'brief']);
    expect(sink.receive(notice(['new'], 'firing', at(70)))).toMatchObject({ published: 1, evicted: 1 });
    expect(sink.alerts('db').map((a) => a.fingerprint)).toEqual(['lasting', 'unending', 'new']);
    // none has passed its endsAt now (the zero time is no end): the oldest makes room
    expect(sink.receive(notice(['newer'], 'firing', at(70)))).toMatchObject({ published: 1, evicted: 1 });
    expect(sink.alerts('db').map((a) => a.fingerprint)).toEqual(['unending', 'new', 'newer']);
  });

  it('takes an evicted alert that fires again as a new firing, not as old news', () => {
    const { sink } = setup(1);
    sink.receive(notice(['a']));
    sink.receive(notice(['b']));
    expect(sink.receive(notice(['a']))).toMatchObject({ published: 1, duplicates: 0, evicted: 1 });
    expect(sink.alerts('db').map((a) => a.fingerprint)).toEqual(['a']);
  });

  it('refuses a bound that is not a whole number from 1', () => {
    const tree = new EntityTree(new VirtualClock());
    expect(() => new AlertSink(tree, { maxActive: 0 })).toThrow(/maxActive must be a whole number from 1, got 0/);
  });
});
