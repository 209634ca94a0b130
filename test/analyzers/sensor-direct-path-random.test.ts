import { describe, expect, it } from 'vitest';
import { map, type Observable, type Subscription } from 'rxjs';
import { threshold, type ThresholdOptions } from '../../src/analyzers/threshold.js';
import { consecutiveFailures } from '../../src/analyzers/consecutive-failures.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { booleanSensor, numberSensor } from '../../src/sensors/define-sensor.js';
import type { Sensor } from '../../src/sensors/sensor.js';
import type { Observation } from '../../src/sensors/reading.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/**
 * The direct path (an analyzer straight on a sensor, as its only subscriber, taking value and time) against the
 * general one (the same analyzer behind a `map`), over seeded random scripts: readings good and bad, late
 * readings, analyzers and plain watchers coming and going, a sensor closing, and symptom handlers that react
 * from inside the delivery (publish again, subscribe another analyzer, unsubscribe one, publish to another
 * sensor). Everything either path shows (symptoms with their inputs, rejections, current reading, changedAt,
 * staleness, completions) is logged; the two logs must be equal.
 */

/** A small seeded generator (the same script for both paths, and for every run of the test). */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const NUMBERS: readonly unknown[] = [10, 90, 85, 70, 15, 25, 55, 45, Number.NaN, '50', Infinity, null, -Infinity, true, 81, 19];
// the same, with the bounds of THRESHOLDS and their hysteresis edges exactly (80, 20, 75, 25, 50, 30) and the
// numbers beside them: a sensor skips the readings its threshold said it would ignore, and a reading on an edge
// must still reach it
const EDGES: readonly unknown[] = [...NUMBERS, 80, 20, 75, 50, 30, 0, -0, 79.999, 20.001, 75.001, 24.999];
const CHECKS: readonly unknown[] = [true, false, false, 'x', 0, null];
const THRESHOLDS: readonly ThresholdOptions[] = [{ above: 80, below: 20, hysteresis: 5 }, { above: 50, emit: 'every' }, { below: 30 }];

function isDirect(sensor: Sensor<number> | Sensor<boolean>): boolean {
  return (sensor as unknown as { sink: unknown }).sink !== undefined;
}

/** True when the sensor skips some numbers for its sink (its analyzer answered with a quiet range). */
function isQuiet(sensor: Sensor<number>): boolean {
  const quiet = (sensor as unknown as { quiet: { low: number; high: number } }).quiet;
  return quiet.low < quiet.high;
}

/** Plays script `seed` with analyzers straight on the sensors (`direct`) or behind a map; its log, and how many steps ran direct. */
function play(seed: number, direct: boolean, numbers: readonly unknown[] = NUMBERS): { log: string[]; directSteps: number; quietSteps: number } {
  const random = generator(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const clock = new VirtualClock(1_000);
  const tree = new EntityTree(clock);
  const log: string[] = [];
  tree.rejections$.subscribe((r) => log.push(`rejected ${r.sensor} ${String(r.value)} at ${r.at}: ${r.problem}`));
  const entity = tree.add({ id: 'a', type: 't', sensors: [numberSensor('cpu', { staleAfterMs: 30 }), booleanSensor('ok')] });
  const cpu = entity.sensor<number>('cpu');
  const ok = entity.sensor<boolean>('ok');
  const subscriptions: Subscription[] = [];
  let next = 0;
  let depth = 0;
  const via = <T>(source: Observable<Observation<T>>): Observable<Observation<T>> => (direct ? source : source.pipe(map((o) => o)));
  const reactions: ReadonlyArray<() => void> = [
    () => cpu.publish(Math.floor(random() * 100)),
    () => subscriptions.shift()?.unsubscribe(),
    () => subscribe(),
    () => ok.publish(random() < 0.5),
    () => {
      clock.frame += 7;
      cpu.publishAt(42, clock.frame - 100);
    },
  ];
  /** Logs what a subscriber saw, and sometimes reacts from inside the delivery (at most a few levels deep). */
  const saw = (line: string): void => {
    log.push(line);
    if (depth > 3) return;
    depth++;
    const index = Math.floor(random() * reactions.length * 2);
    if (index < reactions.length) reactions[index]?.();
    depth--;
  };
  function subscribe(): void {
    const id = next++;
    const kind = random();
    const replay = random() < 0.5;
    const done = (): void => void log.push(`${id} completed`);
    if (kind < 0.6) {
      const options = pick(THRESHOLDS);
      const source = via(replay ? cpu.observations$ : cpu.readings$);
      subscriptions.push(source.pipe(threshold(options)).subscribe({ next: (s) => saw(`${id} ${s.kind} ${JSON.stringify(s.inputs)} ${JSON.stringify(s.detail)}`), complete: done }));
    } else if (kind < 0.85) {
      const source = via(replay ? ok.observations$ : ok.readings$);
      const options = { failures: 2, onlyIfPreviouslyUp: random() < 0.5 };
      subscriptions.push(source.pipe(consecutiveFailures(options)).subscribe({ next: (s) => saw(`${id} ${s.kind} ${JSON.stringify(s.inputs)}`), complete: done }));
    } else {
      subscriptions.push(cpu.readings$.subscribe({ next: (o) => saw(`${id} reading ${JSON.stringify(o)}`), complete: done }));
    }
  }
  let directSteps = 0;
  let quietSteps = 0;
  for (let step = 0; step < 200; step++) {
    if (isDirect(cpu) || isDirect(ok)) directSteps++;
    if (isQuiet(cpu)) quietSteps++;
    const action = random();
    if (action < 0.45) cpu.publish(pick(numbers));
    else if (action < 0.6) ok.publish(pick(CHECKS));
    else if (action < 0.7) clock.frame += Math.floor(random() * 40);
    else if (action < 0.78) cpu.publishAt(pick(numbers), clock.frame - Math.floor(random() * 60));
    else if (action < 0.88) subscribe();
    else if (action < 0.97) subscriptions.splice(Math.floor(random() * subscriptions.length), 1)[0]?.unsubscribe();
    else if (action < 0.975) cpu.close();
    log.push(`cpu ${JSON.stringify(cpu.current)} changed ${cpu.changedAt} stale ${cpu.isStale()} value ${cpu.value} rejected ${cpu.rejectedCount}`);
    log.push(`ok ${JSON.stringify(ok.current)} changed ${ok.changedAt} rejected ${ok.rejectedCount}`);
  }
  return { log, directSteps, quietSteps };
}

describe('an analyzer straight on its sensor behaves as behind an operator, over random scripts', () => {
  it('gives the same symptoms, inputs, rejections and sensor state in 200 scripts with re-entrant handlers', () => {
    let directSteps = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const straight = play(seed, true);
      const behindMap = play(seed, false);
      expect(behindMap.directSteps).toBe(0);
      expect(straight.log, `script ${seed}`).toEqual(behindMap.log);
      directSteps += straight.directSteps;
    }
    // the scripts do exercise the direct path (a sensor with one analyzer), not only fan-out
    expect(directSteps).toBeGreaterThan(2_000);
  });

  it('gives the same with readings on and beside the bounds, where the sensor skips what its threshold ignores', () => {
    let quietSteps = 0;
    for (let seed = 201; seed <= 260; seed++) {
      const straight = play(seed, true, EDGES);
      const behindMap = play(seed, false, EDGES);
      expect(behindMap.quietSteps).toBe(0);
      expect(straight.log, `script ${seed}`).toEqual(behindMap.log);
      quietSteps += straight.quietSteps;
    }
    // in many steps the sensor was skipping readings for its threshold (the path under test)
    expect(quietSteps).toBeGreaterThan(500);
  });
});
