import { VirtualTimeScheduler } from 'rxjs';
import { ClockAction } from './clock-action.js';

/**
 * A virtual-time scheduler for tests and simulation that also lets promise chains run between scheduled
 * actions, so async effectors and buffered knowledge writes behave as they do in real time.
 * A 10-minute window is tested in milliseconds of wall-clock time. Its actions are `ClockAction`s: a recurring
 * action is reused on each run, so a simulation of days holds no chain of past runs.
 */
export class VirtualClock extends VirtualTimeScheduler {
  /** Called after every step (each batch of actions due at one time, promises settled): to check invariants. */
  onStep: (() => void) | undefined;

  constructor(startAt = 0) {
    super(ClockAction, Infinity);
    this.frame = startAt;
  }

  /** Runs every action due up to `now() + ms`, letting promises settle after each, then sets the clock there. */
  async advanceBy(ms: number): Promise<void> {
    await this.advanceTo(this.frame + ms);
  }

  /** Runs every action due up to `time`, letting promises settle after each, then sets the clock to `time`. */
  async advanceTo(time: number): Promise<void> {
    await settle();
    for (;;) {
      const next = this.actions[0];
      if (!next || next.delay > time) break;
      this.maxFrames = next.delay;
      this.flush();
      await settle();
      this.onStep?.();
    }
    this.maxFrames = Infinity;
    if (time > this.frame) this.frame = time;
  }

  /** Runs only what is due now (promises included), without moving the clock. */
  async settle(): Promise<void> {
    await this.advanceTo(this.frame);
  }
}

/** Lets every pending promise continuation run (a macrotask turn drains the microtask queue). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
