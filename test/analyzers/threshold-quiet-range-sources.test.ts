import { describe, expect, it } from 'vitest';
import { Observable, Subject, map, type Subscriber } from 'rxjs';
import { threshold, type ThresholdSymptom } from '../../src/analyzers/threshold.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import type { Observation } from '../../src/sensors/reading.js';
import type { Sensor } from '../../src/sensors/sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/**
 * A threshold subscriber can be subscribed as it is to more than one source: an Observable written by hand
 * that hands its subscriber to two sensors (or to a sensor and a Subject) makes it the sole sink of each. A
 * sensor that kept the threshold's answer to its own last reading would then skip readings the threshold no
 * longer ignores, its level having been moved by the other source. The symptoms must be those of the same
 * threshold behind a `map` (which sees every reading).
 */

function sensors(): { cpu: Sensor<number>; mem: Sensor<number> } {
  const clock = new VirtualClock(1_000);
  const entity = new EntityTree(clock).add({ id: 'a', type: 't', sensors: [numberSensor('cpu'), numberSensor('mem')] });
  return { cpu: entity.sensor<number>('cpu'), mem: entity.sensor<number>('mem') };
}

/** The readings of both sensors, its subscriber handed to each of them as it is (a merge written by hand). */
function both(cpu: Sensor<number>, mem: Sensor<number>): Observable<Observation<number>> {
  return new Observable<Observation<number>>((subscriber: Subscriber<Observation<number>>) => {
    subscriber.add(cpu.readings$.subscribe(subscriber));
    subscriber.add(mem.readings$.subscribe(subscriber));
  });
}

/** What a threshold straight on `source` (or behind a map) emits while `script` publishes. */
function symptomsOf(direct: boolean, build: (cpu: Sensor<number>, mem: Sensor<number>) => Observable<Observation<number>>, script: (cpu: Sensor<number>, mem: Sensor<number>) => void): string[] {
  const { cpu, mem } = sensors();
  const source = build(cpu, mem);
  const seen: string[] = [];
  (direct ? source : source.pipe(map((o) => o))).pipe(threshold({ above: 80, below: 20 })).subscribe((s: ThresholdSymptom) => seen.push(`${s.kind} ${s.inputs[0]?.sensor} ${s.detail.value}`));
  script(cpu, mem);
  return seen;
}

describe('a threshold subscribed as it is to more than one source', () => {
  it('sees a reading of one sensor that its level, moved by the other sensor, no longer ignores', () => {
    const script = (cpu: Sensor<number>, mem: Sensor<number>): void => {
      cpu.publish(50); // normal: cpu would keep (20, 80) to itself
      mem.publish(90); // above, through mem
      cpu.publish(50); // back to normal: must reach the threshold
      mem.publish(85);
      cpu.publish(10);
      mem.publish(50);
    };
    const direct = symptomsOf(true, both, script);
    expect(direct).toEqual(symptomsOf(false, both, script));
    expect(direct).toEqual(['above mem 90', 'normal cpu 50', 'above mem 85', 'below cpu 10', 'normal mem 50']);
  });

  it('sees a reading published from inside a symptom the other sensor caused', () => {
    const script = (cpu: Sensor<number>, mem: Sensor<number>, out: string[]): void => {
      cpu.publish(50);
      mem.publish(90);
      out.push('done');
    };
    const run = (direct: boolean): string[] => {
      const { cpu, mem } = sensors();
      const seen: string[] = [];
      const source = both(cpu, mem);
      (direct ? source : source.pipe(map((o) => o))).pipe(threshold({ above: 80, below: 20 })).subscribe((s) => {
        seen.push(`${s.kind} ${s.inputs[0]?.sensor} ${s.detail.value}`);
        if (s.kind === 'above') cpu.publish(40); // reacting: cpu's reading must end the breach
      });
      script(cpu, mem, seen);
      return seen;
    };
    expect(run(true)).toEqual(run(false));
    expect(run(true)).toEqual(['above mem 90', 'normal cpu 40', 'done']);
  });

  it('sees a sensor reading after a value another source handed to it', () => {
    const run = (direct: boolean): string[] => {
      const subject = new Subject<Observation<number>>();
      const withSubject = (cpu: Sensor<number>): Observable<Observation<number>> =>
        new Observable<Observation<number>>((subscriber) => {
          subscriber.add(cpu.readings$.subscribe(subscriber));
          subscriber.add(subject.subscribe(subscriber));
        });
      return symptomsOf(direct, withSubject, (cpu) => {
        cpu.publish(50);
        subject.next({ entity: 'b', sensor: 'cpu', value: 95, at: 1_000 });
        cpu.publish(50);
      });
    };
    expect(run(true)).toEqual(run(false));
    expect(run(true)).toEqual(['above cpu 95', 'normal cpu 50']);
  });
});
