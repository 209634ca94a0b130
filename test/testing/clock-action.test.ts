import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualAction, VirtualTimeScheduler, interval, type SchedulerLike, type Subscription } from 'rxjs';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { generateTrace } from '../../src/sim/trace-shapes.js';

/** One action of a random program: first due at `delay`, then rescheduling itself `repeats` times. */
interface Step {
  readonly delay: number;
  readonly repeats: readonly number[];
  /** Cancelled (by whoever scheduled it) once this many actions of the program have run; never when undefined. */
  readonly cancelAfter: number | undefined;
}

/** Runs a program on a scheduler and returns the order in which the actions ran, with the times. */
function runProgram(scheduler: SchedulerLike & { flush(): void; now(): number }, steps: readonly Step[]): string[] {
  const log: string[] = [];
  const subscriptions: Array<[Subscription, number | undefined]> = [];
  steps.forEach((step, name) => {
    const subscription = scheduler.schedule(function (this: { schedule(state: number, delay: number): unknown }, run = 0) {
      log.push(`${name}#${run}@${scheduler.now()}`);
      for (const [s, after] of subscriptions) if (after !== undefined && log.length >= after) s.unsubscribe();
      const next = step.repeats[run];
      if (next !== undefined) this.schedule(run + 1, next);
    }, step.delay, 0);
    subscriptions.push([subscription, step.cancelAfter]);
  });
  scheduler.flush();
  return log;
}

const step = fc.record({
  delay: fc.integer({ min: 0, max: 50 }),
  repeats: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 6 }),
  cancelAfter: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
});

describe('VirtualClock actions', () => {
  it('run in the same order, at the same times, as RxJS virtual actions (random programs)', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const stock = new VirtualTimeScheduler(VirtualAction, Infinity);
        expect(runProgram(new VirtualClock(), steps)).toEqual(runProgram(stock, steps));
      }),
      { numRuns: 300 },
    );
  });

  it('keep no chain of past runs: a timer that ticked 50,000 times is unsubscribed without recursion', async () => {
    const clock = new VirtualClock();
    let ticks = 0;
    const subscription = interval(5, clock).subscribe(() => void (ticks += 1));
    await clock.advanceTo(250_000);
    expect(ticks).toBe(50_000);
    expect(() => subscription.unsubscribe()).not.toThrow();
    expect(clock.actions).toHaveLength(0);
    await clock.advanceBy(100);
    expect(ticks).toBe(50_000);
  });

  it('run once, at the last time asked, when scheduled again before they run (as in real time)', () => {
    const clock = new VirtualClock();
    const runs: number[] = [];
    const action = clock.schedule(() => void runs.push(clock.now()), 10);
    (action as unknown as { schedule(state: undefined, delay: number): void }).schedule(undefined, 20);
    expect(clock.actions).toHaveLength(1);
    clock.flush();
    expect(runs).toEqual([20]);
  });

  it('leave the queue when unsubscribed while waiting, and the actions around them keep their order', () => {
    const clock = new VirtualClock();
    const runs: string[] = [];
    clock.schedule(() => void runs.push('a'), 5);
    const b = clock.schedule(() => void runs.push('b'), 5);
    clock.schedule(() => void runs.push('c'), 5);
    b.unsubscribe();
    expect(clock.actions).toHaveLength(2);
    clock.flush();
    expect(runs).toEqual(['a', 'c']);
  });

  it('let a simulation run for days of simulated time and stop (it ended in a stack overflow at about 20,000 s)', async () => {
    const blueprint = await loadBlueprint(new URL('../../examples/web-shop.yaml', import.meta.url).pathname);
    const { report } = await runSimulation(blueprint, { trace: generateTrace('low-noisy', 10), durationSeconds: 200_000, warmupSeconds: 0 });
    expect(report.simulatedSeconds).toBe(200_000);
    expect(report.decisions.total).toBeGreaterThan(0);
  }, 60_000);
});
