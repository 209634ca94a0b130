import { describe, expect, it } from 'vitest';
import { map, type Observable, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { definePolicy, type Symptom } from '../../src/policies/define-policy.js';
import { threshold, type ThresholdOptions, type ThresholdSymptom } from '../../src/analyzers/threshold.js';
import { consecutiveFailures, type ConsecutiveFailuresOptions, type HealthSymptom } from '../../src/analyzers/consecutive-failures.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { booleanSensor, numberSensor } from '../../src/sensors/define-sensor.js';
import type { Sensor } from '../../src/sensors/sensor.js';
import type { Observation, RejectedReading } from '../../src/sensors/reading.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/**
 * An analyzer (threshold, consecutiveFailures) subscribed straight to a sensor, as its only subscriber, takes
 * readings as value and time (no Observation per reading). These tests run the same readings through that
 * direct path and through the general one (an operator in between, or several subscribers) and expect the same
 * symptoms and rejections.
 */

/** A sensor `cpu` on entity `a`, its clock, and every rejected reading of its tree. */
function fixture(): { sensor: Sensor<number>; clock: VirtualClock; rejections: RejectedReading[] } {
  const clock = new VirtualClock(1_000);
  const tree = new EntityTree(clock);
  const rejections: RejectedReading[] = [];
  tree.rejections$.subscribe((r) => rejections.push(r));
  const sensor = tree.add({ id: 'a', type: 't', sensors: [numberSensor('cpu', { staleAfterMs: 50 })] }).sensor<number>('cpu');
  return { sensor, clock, rejections };
}

/** True when the sensor hands readings to its subscriber as value and time (the fast path is in use). */
function takesReadingsDirectly(sensor: Sensor<number> | Sensor<boolean>): boolean {
  return (sensor as unknown as { sink: unknown }).sink !== undefined;
}

/** The readings both paths get: crossings, hysteresis, rejected values, late (stale) and repeated readings. */
type Step = { publish: unknown } | { publishAt: unknown; at: number } | { advance: number };
const STEPS: readonly Step[] = [
  { publish: 50 },
  { publish: 95 },
  { advance: 10 },
  { publish: Number.NaN },
  { publish: '97' },
  { publish: 92 },
  { publish: Number.POSITIVE_INFINITY },
  { advance: 100 },
  { publishAt: 99, at: 900 }, // a late reading, older than the staleness bound
  { publish: 78 },
  { publish: 74 },
  { publish: null },
  { publish: 5 },
  { advance: 5 },
  { publish: 5 },
  { publish: 81 },
  { publish: 15 },
  { publishAt: -3, at: 1_000 },
  { publish: 50 },
];

function play(sensor: Sensor<number>, clock: VirtualClock, steps: readonly Step[]): boolean[] {
  const accepted: boolean[] = [];
  for (const step of steps) {
    if ('advance' in step) clock.frame += step.advance;
    else if ('publishAt' in step) accepted.push(sensor.publishAt(step.publishAt, step.at));
    else accepted.push(sensor.publish(step.publish));
  }
  return accepted;
}

/** Runs the steps through `threshold(options)` on a fresh sensor, subscribed by `subscribe`. */
function run(options: ThresholdOptions, subscribe: (sensor: Sensor<number>, analyzed: (source: Observable<Observation<number>>) => Observable<ThresholdSymptom>, out: ThresholdSymptom[]) => void) {
  const { sensor, clock, rejections } = fixture();
  const symptoms: ThresholdSymptom[] = [];
  subscribe(sensor, (source) => source.pipe(threshold(options)), symptoms);
  const fast = takesReadingsDirectly(sensor);
  const accepted = play(sensor, clock, STEPS);
  return { symptoms, rejections, accepted, fast, current: sensor.current, rejectedCount: sensor.rejectedCount };
}

const OPTIONS: readonly ThresholdOptions[] = [{ above: 80, below: 20, hysteresis: 5 }, { above: 90, emit: 'every' }, { below: 10 }];

describe('threshold on a sensor: the direct path gives what the general path gives', () => {
  for (const options of OPTIONS) {
    it(`same symptoms, inputs and rejections for ${JSON.stringify(options)}`, () => {
      const direct = run(options, (sensor, analyzed, out) => analyzed(sensor.observations$).subscribe((s) => out.push(s)));
      const general = run(options, (sensor, analyzed, out) => analyzed(sensor.observations$.pipe(map((o) => o))).subscribe((s) => out.push(s)));
      expect(direct.fast).toBe(true);
      expect(general.fast).toBe(false);
      expect(direct.symptoms.length).toBeGreaterThan(0);
      expect(direct.symptoms).toEqual(general.symptoms);
      expect(direct.rejections).toEqual(general.rejections);
      expect(direct.accepted).toEqual(general.accepted);
      expect(direct.current).toEqual(general.current);
      expect(direct.rejectedCount).toBe(4);
    });
  }

  it('lists the crossing reading as an Observation of its entity and sensor, late readings with their own time', () => {
    const direct = run({ above: 80, below: 20, hysteresis: 5 }, (sensor, analyzed, out) => analyzed(sensor.observations$).subscribe((s) => out.push(s)));
    expect(direct.symptoms.map((s) => [s.kind, s.inputs])).toEqual([
      ['above', [{ entity: 'a', sensor: 'cpu', value: 95, at: 1_000 }]],
      ['normal', [{ entity: 'a', sensor: 'cpu', value: 74, at: 1_110 }]],
      ['below', [{ entity: 'a', sensor: 'cpu', value: 5, at: 1_110 }]],
      ['above', [{ entity: 'a', sensor: 'cpu', value: 81, at: 1_115 }]],
      ['below', [{ entity: 'a', sensor: 'cpu', value: 15, at: 1_115 }]],
      ['normal', [{ entity: 'a', sensor: 'cpu', value: 50, at: 1_115 }]],
    ]);
    expect(direct.rejections.map((r) => [r.entity, r.sensor, r.value, r.at])).toEqual([
      ['a', 'cpu', Number.NaN, 1_010],
      ['a', 'cpu', '97', 1_010],
      ['a', 'cpu', Number.POSITIVE_INFINITY, 1_010],
      ['a', 'cpu', null, 1_110],
    ]);
    for (const r of direct.rejections) expect(r.problem).not.toBe('');
  });

  it('replays the current reading to a late subscriber, then takes readings directly', () => {
    const late = (sensor: Sensor<number>, analyzed: (source: Observable<Observation<number>>) => Observable<ThresholdSymptom>, out: ThresholdSymptom[], direct: boolean) => {
      sensor.publish(95);
      const source = direct ? sensor.observations$ : sensor.observations$.pipe(map((o) => o));
      analyzed(source).subscribe((s) => out.push(s));
    };
    const direct = run({ above: 80 }, (sensor, analyzed, out) => late(sensor, analyzed, out, true));
    const general = run({ above: 80 }, (sensor, analyzed, out) => late(sensor, analyzed, out, false));
    expect(direct.fast).toBe(true);
    expect(direct.symptoms[0]?.inputs).toEqual([{ entity: 'a', sensor: 'cpu', value: 95, at: 1_000 }]);
    expect(direct.symptoms).toEqual(general.symptoms);
  });

  it('stops at once when unsubscribed mid-stream, and a new subscriber starts from the normal level', () => {
    const { sensor, clock } = fixture();
    const seen: string[] = [];
    const first = sensor.observations$.pipe(threshold({ above: 80 })).subscribe((s) => seen.push(`first ${s.kind} ${s.detail.value}`));
    play(sensor, clock, [{ publish: 90 }, { publish: 10 }, { publish: 91 }]);
    first.unsubscribe();
    expect(takesReadingsDirectly(sensor)).toBe(false);
    play(sensor, clock, [{ publish: 5 }, { publish: 92 }]);
    sensor.observations$.pipe(threshold({ above: 80 })).subscribe((s) => seen.push(`second ${s.kind} ${s.detail.value}`));
    play(sensor, clock, [{ publish: 93 }, { publish: 1 }]);
    // the second subscriber gets the current reading (92) first, as any changes$ subscriber does
    expect(seen).toEqual(['first above 90', 'first normal 10', 'first above 91', 'second above 92', 'second normal 1']);
  });

  it('unsubscribing from inside its own symptom stops the readings that follow', () => {
    const { sensor } = fixture();
    const seen: number[] = [];
    let subscription: Subscription | undefined = undefined;
    subscription = sensor.observations$.pipe(threshold({ above: 80, emit: 'every' })).subscribe((s) => {
      seen.push(s.detail.value);
      if (seen.length === 2) subscription?.unsubscribe();
    });
    for (const v of [81, 82, 83, 84]) sensor.publish(v);
    expect(seen).toEqual([81, 82]);
    expect(takesReadingsDirectly(sensor)).toBe(false);
  });

  it('keeps each analyzer its level as subscribers come and go, switching between the two paths', () => {
    const script = (sensor: Sensor<number>, clock: VirtualClock, direct: boolean): string[] => {
      const seen: string[] = [];
      const source = (): Observable<Observation<number>> => (direct ? sensor.observations$ : sensor.observations$.pipe(map((o) => o)));
      const a = source().pipe(threshold({ above: 80, below: 20 })).subscribe((s) => seen.push(`a ${s.kind} ${s.inputs[0]?.value}`));
      const paths: boolean[] = [takesReadingsDirectly(sensor)];
      play(sensor, clock, [{ publish: 90 }, { publish: 85 }]);
      const plain: number[] = [];
      const watcher = sensor.readings$.subscribe((o) => plain.push(o.value));
      const b = source().pipe(threshold({ above: 80, below: 20 })).subscribe((s) => seen.push(`b ${s.kind} ${s.inputs[0]?.value}`));
      paths.push(takesReadingsDirectly(sensor));
      play(sensor, clock, [{ publish: 10 }, { publish: 'x' }, { publish: 50 }]);
      watcher.unsubscribe();
      a.unsubscribe();
      paths.push(takesReadingsDirectly(sensor));
      play(sensor, clock, [{ publish: 99 }, { publish: Number.NaN }, { publish: 15 }]);
      b.unsubscribe();
      seen.push(`plain ${plain.join(',')}`, `paths ${paths.join(',')}`);
      return seen;
    };
    const direct = fixture();
    const general = fixture();
    const viaSensor = script(direct.sensor, direct.clock, true);
    const viaMap = script(general.sensor, general.clock, false);
    expect(viaSensor.slice(0, -1)).toEqual(viaMap.slice(0, -1));
    expect(viaSensor).toEqual(['a above 90', 'b above 85', 'a below 10', 'b below 10', 'a normal 50', 'b normal 50', 'b above 99', 'b below 15', 'plain 10,50', 'paths true,false,true']);
    expect(viaMap.at(-1)).toBe('paths false,false,false');
  });

  it('stamps readings with a TestScheduler\'s virtual time on both paths', () => {
    const kinds = (direct: boolean): string[] => {
      const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
      const seen: string[] = [];
      scheduler.run(() => {
        const sensor = new EntityTree(scheduler).add({ id: 'a', type: 't', sensors: [numberSensor('cpu')] }).sensor<number>('cpu');
        const source = direct ? sensor.observations$ : sensor.observations$.pipe(map((o) => o));
        source.pipe(threshold({ above: 80 })).subscribe((s) => seen.push(`${s.kind} ${s.inputs[0]?.at}`));
        expect(takesReadingsDirectly(sensor)).toBe(direct);
        scheduler.schedule(() => sensor.publish(90), 5);
        scheduler.schedule(() => sensor.publish(10), 9);
      });
      return seen;
    };
    expect(kinds(true)).toEqual(['above 5', 'normal 9']);
    expect(kinds(false)).toEqual(kinds(true));
  });

  it('completes a direct subscriber when the sensor closes', () => {
    const { sensor } = fixture();
    let completed = false;
    sensor.observations$.pipe(threshold({ above: 80 })).subscribe({ complete: () => (completed = true) });
    expect(takesReadingsDirectly(sensor)).toBe(true);
    sensor.close();
    expect(completed).toBe(true);
    expect(takesReadingsDirectly(sensor)).toBe(false);
  });
});

describe('threshold on a sensor in a running engine', () => {
  /** Runs readings through a threshold policy (straight on the sensor, or after a map) whose plan faults once. */
  async function engineRun(direct: boolean) {
    const clock = new VirtualClock(1_000);
    const tree = new EntityTree(clock);
    const sensor = tree.add({ id: 'a', type: 't', sensors: [numberSensor('cpu')] }).sensor<number>('cpu');
    const seen: Symptom[] = [];
    const policy = definePolicy({
      name: 'cpu-threshold',
      config: z.object({}),
      monitor: () => (direct ? sensor.observations$ : sensor.observations$.pipe(map((o) => o))),
      analyze: (source) => source.pipe(threshold({ above: 80, below: 20 })),
      plan: (symptom) => {
        seen.push(symptom);
        if (seen.length === 2) throw new Error('plan failed once');
        return undefined;
      },
    });
    const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), clock), scheduler: clock });
    engine.attach(tree.get('a'), policy, {});
    engine.start();
    const paths = [takesReadingsDirectly(sensor)];
    for (const v of [50, 90, 'x', 10]) sensor.publish(v);
    paths.push(takesReadingsDirectly(sensor)); // the fault unsubscribed the policy's stream
    await clock.advanceBy(1_000); // restarted after its backoff, the current reading replayed
    paths.push(takesReadingsDirectly(sensor));
    for (const v of [95, Number.NaN, 50]) sensor.publish(v);
    const faults = engine.policies()[0]?.faults;
    await engine.stop();
    return { seen, paths, faults, rejected: sensor.rejectedCount };
  }

  it('gives the symptoms of the general path, through a fault and restart of the policy', async () => {
    const direct = await engineRun(true);
    const general = await engineRun(false);
    expect(direct.paths).toEqual([true, false, true]);
    expect(general.paths).toEqual([false, false, false]);
    expect(direct.seen).toEqual(general.seen);
    expect(direct.seen.map((s) => s.kind)).toEqual(['above', 'below', 'below', 'above', 'normal']);
    expect(direct.faults).toBe(1);
    expect(direct.rejected).toBe(2);
  });
});

describe('consecutiveFailures on a sensor: the direct path gives what the general path gives', () => {
  const CHECKS: readonly unknown[] = [true, true, false, 'down', false, true, false, false, 0, false, null, false, true, true, false, true];

  function healthRun(options: ConsecutiveFailuresOptions, direct: boolean) {
    const clock = new VirtualClock(1_000);
    const tree = new EntityTree(clock);
    const rejections: RejectedReading[] = [];
    tree.rejections$.subscribe((r) => rejections.push(r));
    const sensor = tree.add({ id: 'a', type: 't', sensors: [booleanSensor('healthy')] }).sensor<boolean>('healthy');
    const symptoms: HealthSymptom[] = [];
    const source = direct ? sensor.observations$ : sensor.observations$.pipe(map((o) => o));
    source.pipe(consecutiveFailures(options)).subscribe((s) => symptoms.push(s));
    const path = takesReadingsDirectly(sensor);
    for (const check of CHECKS) {
      sensor.publish(check);
      clock.frame += 10;
    }
    return { symptoms, rejections, path };
  }

  for (const options of [{ failures: 3, recoveries: 2 }, { failures: 2, onlyIfPreviouslyUp: false }] as const) {
    it(`same symptoms, inputs and rejections for ${JSON.stringify(options)}`, () => {
      const direct = healthRun(options, true);
      const general = healthRun(options, false);
      expect(direct.path).toBe(true);
      expect(general.path).toBe(false);
      expect(direct.symptoms.length).toBeGreaterThan(0);
      expect(direct.symptoms).toEqual(general.symptoms);
      expect(direct.rejections).toEqual(general.rejections);
      expect(direct.rejections.map((r) => r.value)).toEqual(['down', 0, null]);
    });
  }

  it('lists the failed checks in a row as the down symptom\'s inputs', () => {
    const { symptoms } = healthRun({ failures: 3, recoveries: 2 }, true);
    expect(symptoms.map((s) => [s.kind, s.inputs.map((i) => [i.entity, i.sensor, i.value, i.at])])).toEqual([
      ['down', [['a', 'healthy', false, 1_060], ['a', 'healthy', false, 1_070], ['a', 'healthy', false, 1_090]]],
      ['up', [['a', 'healthy', true, 1_130]]],
    ]);
  });
});
