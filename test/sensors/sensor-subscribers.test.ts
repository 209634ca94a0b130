import { describe, expect, it } from 'vitest';
import { Subscription, UnsubscriptionError, finalize, take } from 'rxjs';
import { threshold } from '../../src/analyzers/threshold.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { compactFinalizers, reserveFinalizer } from '../../src/core/compact-finalizers.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

function cpu() {
  return new EntityTree(new VirtualClock()).add({ id: 'a', type: 't', sensors: [numberSensor('cpu')] }).sensor<number>('cpu');
}

describe('Sensor subscribers', () => {
  it('delivers to whoever is subscribed as subscribers come and go, from one to several and back', () => {
    const sensor = cpu();
    const seen: string[] = [];
    const a = sensor.readings$.subscribe((o) => seen.push(`a${o.value}`));
    sensor.publish(1);
    const b = sensor.readings$.subscribe((o) => seen.push(`b${o.value}`));
    const c = sensor.readings$.subscribe((o) => seen.push(`c${o.value}`));
    sensor.publish(2);
    b.unsubscribe();
    b.unsubscribe();
    sensor.publish(3);
    a.unsubscribe();
    sensor.publish(4);
    c.unsubscribe();
    sensor.publish(5);
    sensor.readings$.subscribe((o) => seen.push(`d${o.value}`));
    sensor.publish(6);
    expect(seen).toEqual(['a1', 'a2', 'b2', 'c2', 'a3', 'c3', 'c4', 'd6']);
  });

  it('lets a subscriber that ends on the replayed reading go at once', () => {
    const sensor = cpu();
    sensor.publish(1);
    const seen: number[] = [];
    sensor.changes$.pipe(take(1)).subscribe((o) => seen.push(o.value));
    const rest: number[] = [];
    sensor.readings$.subscribe((o) => rest.push(o.value));
    sensor.publish(2);
    expect(seen).toEqual([1]);
    expect(rest).toEqual([2]);
  });

  it('completes every subscriber when closed, one or several', () => {
    for (const count of [1, 3]) {
      const sensor = cpu();
      let completed = 0;
      for (let i = 0; i < count; i++) sensor.readings$.subscribe({ complete: () => (completed += 1) });
      sensor.close();
      expect(completed).toBe(count);
    }
  });
});

describe('an analyzer subscribed straight to a sensor', () => {
  /** The sensor's sole subscriber, if any (the analyzer is tied to it, with no tap among its finalizers). */
  const soleSubscriber = (sensor: ReturnType<typeof cpu>): unknown => (sensor as unknown as { single: unknown }).single;

  it('leaves the sensor when its subscription ends, once, and the sensor takes the next subscriber alone', () => {
    const sensor = cpu();
    const kinds: string[] = [];
    const subscription = sensor.readings$.pipe(threshold({ above: 80 })).subscribe((s) => kinds.push(s.kind));
    sensor.publish(90);
    expect(soleSubscriber(sensor)).toBeDefined();
    subscription.unsubscribe();
    subscription.unsubscribe();
    expect(soleSubscriber(sensor)).toBeUndefined();
    sensor.publish(10);
    const later: number[] = [];
    sensor.readings$.subscribe((o) => later.push(o.value));
    sensor.publish(95);
    expect(kinds).toEqual(['above']);
    expect(later).toEqual([95]);
  });

  it('leaves the sensor even when another finalizer of its subscription throws', () => {
    const sensor = cpu();
    const kinds: string[] = [];
    const subscription = sensor.readings$.pipe(threshold({ above: 80 })).subscribe((s) => kinds.push(s.kind));
    // a finalizer of the analyzer's own subscription (the sensor's sole subscriber) that throws
    (soleSubscriber(sensor) as Subscription).add(() => {
      throw new Error('finalizer failed');
    });
    expect(() => subscription.unsubscribe()).toThrow(UnsubscriptionError);
    expect(soleSubscriber(sensor)).toBeUndefined();
    sensor.publish(90);
    expect(kinds).toEqual([]);
  });

  it('leaves a sensor it shares with other subscribers, who keep their readings', () => {
    const sensor = cpu();
    const seen: string[] = [];
    const watcher = sensor.readings$.subscribe((o) => seen.push(`w${o.value}`));
    const analyzer = sensor.readings$.pipe(threshold({ above: 80 })).subscribe((s) => seen.push(s.kind));
    sensor.publish(90);
    analyzer.unsubscribe();
    sensor.publish(10);
    watcher.unsubscribe();
    sensor.publish(95);
    expect(seen).toEqual(['w90', 'above', 'w10']);
    expect(soleSubscriber(sensor)).toBeUndefined();
  });
});

describe('an analyzer straight on a sensor, as subscribers come and go around it', () => {
  const soleSubscriber = (sensor: ReturnType<typeof cpu>): unknown => (sensor as unknown as { single: unknown }).single;
  const subscriberList = (sensor: ReturnType<typeof cpu>): readonly unknown[] => (sensor as unknown as { subscribers: readonly unknown[] }).subscribers;

  it('is not kept when its subscription ends on the current reading, before it is tied', () => {
    const sensor = cpu();
    sensor.publish(90);
    const kinds: string[] = [];
    sensor.changes$.pipe(threshold({ above: 80 }), take(1)).subscribe((s) => kinds.push(s.kind));
    expect(soleSubscriber(sensor)).toBeUndefined();
    expect(subscriberList(sensor)).toEqual([]);
    sensor.publish(95);
    expect(kinds).toEqual(['above']);
  });

  it('with another analyzer and a plain subscriber, one delivery ending the other two', () => {
    const sensor = cpu();
    const seen: string[] = [];
    let others: Subscription[] = [];
    const first = sensor.readings$.pipe(threshold({ above: 80, emit: 'every' })).subscribe((s) => {
      seen.push(`a:${s.kind}`);
      for (const other of others) other.unsubscribe();
    });
    others = [sensor.readings$.subscribe((o) => seen.push(`plain:${o.value}`)), sensor.readings$.pipe(threshold({ above: 80, emit: 'every' })).subscribe((s) => seen.push(`b:${s.kind}`))];
    sensor.publish(90);
    sensor.publish(95);
    first.unsubscribe();
    sensor.publish(99);
    expect(seen).toEqual(['a:above', 'a:above']);
    expect(soleSubscriber(sensor)).toBeUndefined();
    expect(subscriberList(sensor)).toEqual([]);
  });

  it('does not hear a reading published by a finalizer of its own pipe', () => {
    const sensor = cpu();
    const seen: number[] = [];
    const subscription = sensor.readings$.pipe(threshold({ above: 80, emit: 'every' }), finalize(() => sensor.publish(99))).subscribe((s) => seen.push(s.detail.value));
    sensor.publish(90);
    subscription.unsubscribe();
    expect(seen).toEqual([90]);
    expect(sensor.current?.value).toBe(99);
  });

  it('completes, with the other subscribers, when its entity leaves the tree', () => {
    const tree = new EntityTree(new VirtualClock());
    const sensor = tree.add({ id: 'a', type: 't', sensors: [numberSensor('cpu')] }).sensor<number>('cpu');
    const ended: string[] = [];
    sensor.readings$.pipe(threshold({ above: 80 })).subscribe({ complete: () => ended.push('first') });
    sensor.readings$.subscribe({ complete: () => ended.push('plain') });
    sensor.readings$.pipe(threshold({ above: 80 })).subscribe({ complete: () => ended.push('second') });
    tree.remove('a');
    expect(ended).toEqual(['first', 'plain', 'second']);
    expect(subscriberList(sensor)).toEqual([]);
    const late: string[] = [];
    sensor.readings$.pipe(threshold({ above: 80 })).subscribe({ complete: () => late.push('late') });
    expect(late).toEqual(['late']);
    expect(soleSubscriber(sensor)).toBeUndefined();
  });
});

describe('compactFinalizers', () => {
  it('keeps every finalizer, run once and in order on unsubscribe', () => {
    const ran: string[] = [];
    const subscription = new Subscription();
    subscription.add(() => ran.push('first'));
    subscription.add(new Subscription(() => ran.push('second')));
    compactFinalizers(subscription);
    subscription.add(() => ran.push('third'));
    subscription.unsubscribe();
    subscription.unsubscribe();
    expect(ran).toEqual(['first', 'second', 'third']);
  });

  it('runs the finalizers of a reserved list once and in order, one or several, added before or after compacting', () => {
    for (const count of [0, 1, 3]) {
      const ran: number[] = [];
      const subscription = new Subscription();
      const reserved = reserveFinalizer(subscription);
      expect(reserved).toEqual([]);
      for (let i = 0; i < count; i++) subscription.add(() => ran.push(i));
      compactFinalizers(subscription, reserved);
      subscription.add(() => ran.push(count));
      subscription.unsubscribe();
      subscription.unsubscribe();
      expect(ran).toEqual(Array.from({ length: count + 1 }, (_, i) => i));
    }
  });

  it('reserves nothing for a subscription that has finalizers already, and removing one still works', () => {
    const ran: string[] = [];
    const subscription = new Subscription();
    const removed = (): number => ran.push('removed');
    subscription.add(removed);
    expect(reserveFinalizer(subscription)).toBeUndefined();
    subscription.add(() => ran.push('kept'));
    subscription.remove(removed);
    subscription.unsubscribe();
    expect(ran).toEqual(['kept']);
  });
});
