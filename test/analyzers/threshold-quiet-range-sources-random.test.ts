import { describe, expect, it } from 'vitest';
import { Observable, Subject, map, type Subscription } from 'rxjs';
import { threshold, type ThresholdOptions } from '../../src/analyzers/threshold.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import type { Observation } from '../../src/sensors/reading.js';
import type { Sensor } from '../../src/sensors/sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/**
 * Thresholds handed as they are to two sources (two sensors, or a sensor and a Subject, by an Observable
 * written by hand), beside thresholds straight on one sensor and plain watchers, over seeded random scripts
 * whose handlers publish, subscribe and unsubscribe from inside a delivery. Straight on the sources, the
 * sensors skip what a threshold said it would ignore; behind a `map`, every reading reaches it. The logs of
 * the two must be equal.
 */

/** A small seeded generator (the same script for both paths). */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

// the bounds of THRESHOLDS, their hysteresis edges, and the numbers beside them
const VALUES: readonly number[] = [10, 90, 85, 75, 80, 20, 25, 50, 30, 0, -0, 79.999, 20.001, 75.001, 24.999, 81, 19];
const THRESHOLDS: readonly ThresholdOptions[] = [{ above: 80, below: 20, hysteresis: 5 }, { above: 50, emit: 'every' }, { below: 30 }, { above: 80, below: 20, hysteresis: 70 }];

/** True when the sensor skips some numbers for its sink. */
function isQuiet(sensor: Sensor<number>): boolean {
  const quiet = (sensor as unknown as { quiet: { low: number; high: number } }).quiet;
  return quiet.low < quiet.high;
}

function play(seed: number, direct: boolean): { log: string[]; quietSteps: number } {
  const random = generator(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const clock = new VirtualClock(1_000);
  const entity = new EntityTree(clock).add({ id: 'a', type: 't', sensors: [numberSensor('cpu'), numberSensor('mem')] });
  const cpu = entity.sensor<number>('cpu');
  const mem = entity.sensor<number>('mem');
  const subject = new Subject<Observation<number>>();
  const log: string[] = [];
  const subscriptions: Subscription[] = [];
  let depth = 0;
  let next = 0;
  // reactions left in this step: handlers of many subscribers that each react would otherwise multiply
  let budget = 0;
  const react = (): void => {
    if (depth > 3 || budget <= 0) return;
    budget--;
    depth++;
    const r = random();
    if (r < 0.2) cpu.publish(pick(VALUES));
    else if (r < 0.35) mem.publish(pick(VALUES));
    else if (r < 0.45) subscriptions.shift()?.unsubscribe();
    else if (r < 0.55) subscribe();
    else if (r < 0.6) subject.next({ entity: 'b', sensor: 's', value: pick(VALUES), at: clock.frame });
    depth--;
  };
  function subscribe(): void {
    const id = next++;
    const kind = random();
    const options = pick(THRESHOLDS);
    let source: Observable<Observation<number>>;
    if (kind < 0.3) {
      source = new Observable<Observation<number>>((subscriber) => {
        subscriber.add(cpu.readings$.subscribe(subscriber));
        subscriber.add(mem.observations$.subscribe(subscriber));
      });
    } else if (kind < 0.45) {
      source = new Observable<Observation<number>>((subscriber) => {
        subscriber.add(mem.readings$.subscribe(subscriber));
        subscriber.add(subject.subscribe(subscriber));
      });
    } else if (kind < 0.7) {
      source = random() < 0.5 ? cpu.observations$ : mem.readings$;
    } else {
      const sensor = random() < 0.5 ? cpu : mem;
      subscriptions.push(
        sensor.readings$.subscribe((o) => {
          log.push(`${id} reading ${o.sensor} ${o.value}`);
          react();
        }),
      );
      return;
    }
    const analyzed = (direct ? source : source.pipe(map((o) => o))).pipe(threshold(options));
    subscriptions.push(
      analyzed.subscribe((s) => {
        log.push(`${id} ${s.kind} ${JSON.stringify(s.inputs)} ${JSON.stringify(s.detail)}`);
        react();
      }),
    );
  }
  let quietSteps = 0;
  for (let step = 0; step < 200; step++) {
    budget = 6;
    if (isQuiet(cpu) || isQuiet(mem)) quietSteps++;
    const action = random();
    if (action < 0.35) cpu.publish(pick(VALUES));
    else if (action < 0.6) mem.publish(pick(VALUES));
    else if (action < 0.65) subject.next({ entity: 'b', sensor: 's', value: pick(VALUES), at: clock.frame });
    else if (action < 0.8) subscribe();
    else if (action < 0.9) subscriptions.splice(Math.floor(random() * subscriptions.length), 1)[0]?.unsubscribe();
    else clock.frame += 3;
    if (subscriptions.length > 12) subscriptions.shift()?.unsubscribe();
  }
  return { log, quietSteps };
}

describe('thresholds handed to two sources, over random scripts', () => {
  it('give the symptoms of the same thresholds behind a map in 300 scripts', () => {
    let quietSteps = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const straight = play(seed, true);
      const behindMap = play(seed, false);
      expect(behindMap.quietSteps).toBe(0);
      expect(straight.log, `script ${seed}`).toEqual(behindMap.log);
      quietSteps += straight.quietSteps;
    }
    // the sensors did skip readings for their thresholds in many steps (the path under test)
    expect(quietSteps).toBeGreaterThan(2_000);
  });
});
