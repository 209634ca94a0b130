import type { VirtualClock } from '../../src/testing/virtual-clock.js';

/**
 * Makes a virtual clock read as a real one does within an event-loop turn: every read of the time within one
 * virtual instant is `step` ms later than the one before, counting from the instant itself. Node times a
 * timer from the start of the turn that armed it, so a timer armed for a deadline can then fire while the
 * clock reads a little before it, and two reads of "now" in one turn differ: what virtual time hides.
 */
export function movingWithinTurn(clock: VirtualClock, step = 0.0001): void {
  let frame = Number.NaN;
  let reads = 0;
  clock.now = () => {
    if (clock.frame !== frame) {
      frame = clock.frame;
      reads = 0;
    }
    return clock.frame + ++reads * step;
  };
}
