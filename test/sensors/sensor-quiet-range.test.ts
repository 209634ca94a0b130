import { describe, expect, it } from 'vitest';
import { Observable, Subscriber } from 'rxjs';
import { EntityTree } from '../../src/core/entity-tree.js';
import { z } from 'zod';
import { defineSensor, numberSensor } from '../../src/sensors/define-sensor.js';
import { READING_SINK, type QuietRange, type ReadingOrigin, type ReadingSink } from '../../src/sensors/reading-sink.js';
import type { Observation } from '../../src/sensors/reading.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/**
 * A sole `ReadingSink` may answer a reading with a `QuietRange`: the sensor keeps the numbers strictly inside
 * it to itself until the sink's next answer. These tests hold the sensor to that contract with a sink whose
 * answers they choose.
 */

/** A sink that records what reaches it and answers with `answer` (changeable between readings). */
class RecordingSink extends Subscriber<Observation<unknown>> implements ReadingSink<unknown> {
  readonly seen: unknown[] = [];
  answer: QuietRange | undefined;
  /** Called inside each reading, after it is recorded (to publish or subscribe from inside a delivery). */
  during: ((value: unknown) => void) | undefined;

  get [READING_SINK](): true {
    return true;
  }

  constructor(answer?: QuietRange, onError: (error: unknown) => void = () => undefined) {
    super({ next: () => undefined, error: onError, complete: () => undefined });
    this.answer = answer;
  }

  nextReading(value: unknown, _at: number, _origin: ReadingOrigin): QuietRange | void {
    this.seen.push(value);
    this.during?.(value);
    return this.answer;
  }

  protected override _next(observation: Observation<unknown>): void {
    this.seen.push(observation.value);
    this.during?.(observation.value);
  }
}

function fixture() {
  const clock = new VirtualClock(1_000);
  const tree = new EntityTree(clock);
  const entity = tree.add({ id: 'a', type: 't', sensors: [numberSensor('cpu'), defineSensor({ name: 'mode', schema: z.string() })] });
  return { clock, cpu: entity.sensor<number>('cpu'), mode: entity.sensor<string>('mode') };
}

/** Subscribes `sink` to a sensor's stream (as an analyzer straight on the sensor is). */
function attach(stream: Observable<Observation<unknown>>, sink: RecordingSink): RecordingSink {
  stream.subscribe(sink);
  return sink;
}

describe('a sensor and the quiet range of its sole sink', () => {
  it('skips only the numbers strictly inside the latest answer, and keeps every reading as its current one', () => {
    const { clock, cpu } = fixture();
    const sink = attach(cpu.readings$ as Observable<Observation<unknown>>, new RecordingSink({ low: 20, high: 80 }));
    for (const value of [50, 50, 20, 21, 79, 80, 19.999, 80.001, -0, 0]) {
      clock.frame += 1;
      cpu.publish(value);
      expect(cpu.current).toEqual({ entity: 'a', sensor: 'cpu', value, at: clock.frame });
    }
    // the first reading goes through (no answer yet); after it, 50, 21 and 79 are inside (20, 80)
    expect(sink.seen).toEqual([50, 20, 80, 19.999, 80.001, -0, 0]);
    expect(cpu.changedAt).toBe(clock.frame - 1); // 0 after -0 is the same value
  });

  it('follows each new answer, and an answer of nothing or of NaN skips nothing', () => {
    const { cpu } = fixture();
    const sink = attach(cpu.readings$ as Observable<Observation<unknown>>, new RecordingSink({ low: 0, high: 10 }));
    cpu.publish(5); // answered (0, 10)
    cpu.publish(6); // skipped
    sink.answer = { low: 50, high: 60 };
    cpu.publish(55); // still (0, 10): reaches the sink, which now answers (50, 60)
    cpu.publish(5); // outside (50, 60)
    cpu.publish(55); // inside: skipped
    sink.answer = undefined;
    cpu.publish(70); // answered nothing
    cpu.publish(70);
    sink.answer = { low: Number.NaN, high: 100 };
    cpu.publish(1);
    cpu.publish(2);
    expect(sink.seen).toEqual([5, 55, 5, 70, 70, 1, 2]);
  });

  it('hands a sink every reading published from inside its own reading', () => {
    const { cpu } = fixture();
    const sink = attach(cpu.readings$ as Observable<Observation<unknown>>, new RecordingSink({ low: 0, high: 100 }));
    cpu.publish(200); // answered (0, 100)
    sink.during = (value) => {
      if (value === 150) cpu.publish(50); // inside the answer given before this reading: must still arrive
    };
    cpu.publish(150);
    expect(sink.seen).toEqual([200, 150, 50]);
    cpu.publish(60); // the answer after the inner reading holds again
    expect(sink.seen).toEqual([200, 150, 50]);
  });

  it('forgets the range when its sink changes: another subscriber, the sink leaving, a new sink', () => {
    const { cpu } = fixture();
    const first = new RecordingSink({ low: 0, high: 100 });
    const firstSubscription = (cpu.readings$ as Observable<Observation<unknown>>).subscribe(first);
    cpu.publish(50);
    cpu.publish(51); // skipped
    const watcher: number[] = [];
    const watching = cpu.readings$.subscribe((o) => watcher.push(o.value));
    cpu.publish(52); // two subscribers: both get it
    watching.unsubscribe();
    cpu.publish(53); // the sole sink again: no answer yet, so it arrives
    cpu.publish(54); // skipped
    expect(first.seen).toEqual([50, 52, 53]);
    expect(watcher).toEqual([52]);
    firstSubscription.unsubscribe();
    const second = attach(cpu.readings$ as Observable<Observation<unknown>>, new RecordingSink());
    cpu.publish(55);
    expect(second.seen).toEqual([55]);
    expect(first.seen).toEqual([50, 52, 53]);
  });

  it('does not keep the answer of a sink that left during its reading for the sink that replaced it', () => {
    const { cpu } = fixture();
    const first = new RecordingSink({ low: 0, high: 100 });
    const firstSubscription = (cpu.readings$ as Observable<Observation<unknown>>).subscribe(first);
    const second = new RecordingSink();
    first.during = () => {
      firstSubscription.unsubscribe();
      (cpu.readings$ as Observable<Observation<unknown>>).subscribe(second);
    };
    cpu.publish(10);
    cpu.publish(20);
    expect(first.seen).toEqual([10]);
    expect(second.seen).toEqual([20]);
  });

  it('keeps no answer across a reading handed out to several subscribers, one of which became the sole sink', () => {
    const { cpu } = fixture();
    const watcherSeen: number[] = [];
    const watching = cpu.readings$.subscribe((o) => {
      watcherSeen.push(o.value);
      if (o.value !== 200) return;
      // the watcher leaves, so the sink is alone; a reading published now reaches it as value and time, and it
      // answers (0, 100); then the outer reading reaches it as an Observation, which its answer did not see
      watching.unsubscribe();
      cpu.publish(150);
    });
    const sink = attach(cpu.readings$ as Observable<Observation<unknown>>, new RecordingSink({ low: 0, high: 100 }));
    sink.during = (value) => {
      if (value === 200) cpu.publish(60); // published while the sink takes the outer reading: must arrive
    };
    cpu.publish(200);
    cpu.publish(50); // after the outer reading, the answer given before it does not hold: must arrive
    expect(watcherSeen).toEqual([200]);
    expect(sink.seen).toEqual([150, 200, 60, 50]);
    cpu.publish(51); // the sink's answer to 50 holds
    expect(sink.seen).toEqual([150, 200, 60, 50]);
  });

  it('never skips a value that is not a number, whatever the answer', () => {
    const { mode } = fixture();
    const sink = attach(mode.readings$ as Observable<Observation<unknown>>, new RecordingSink({ low: -Infinity, high: Infinity }));
    mode.publish('a');
    mode.publish('b');
    expect(sink.seen).toEqual(['a', 'b']);
  });

  it('starts over after a sink that threw: the sink is failed and no range is kept', () => {
    const { cpu } = fixture();
    const errors: unknown[] = [];
    const sink = new RecordingSink({ low: 0, high: 100 }, (error) => errors.push((error as Error).message));
    sink.during = (value) => {
      if (value === 1) throw new Error('boom');
    };
    (cpu.readings$ as Observable<Observation<unknown>>).subscribe(sink);
    sink.add(() => errors.push('ended'));
    cpu.publish(1);
    expect(errors).toEqual(['boom', 'ended']);
    const next = attach(cpu.readings$ as Observable<Observation<unknown>>, new RecordingSink());
    cpu.publish(2);
    expect(next.seen).toEqual([2]);
  });
});
