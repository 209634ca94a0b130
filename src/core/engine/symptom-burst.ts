/**
 * Most symptoms one policy may emit without yielding (in one synchronous run, before the microtasks of the
 * turn run): past it the policy is faulted. A policy whose analyze emits in a loop (a `from()` of a huge array,
 * a generator that does not end) held every other loop and the HTTP service up: 1,000,000 symptoms in one turn
 * took 116 s, each planned and recorded. A real analyzer emits a symptom or a few per reading: a policy over a
 * group of the largest size (10,000 members) with a few sensors each stays under it when every member reads at
 * the same instant.
 */
export const MAX_SYMPTOMS_PER_BURST = 50_000;

/**
 * The current burst: a number that changes once the turn's microtasks run. A subscriber that remembers the
 * burst of its last symptom knows whether it is still in the same one. One microtask for all subscribers, and
 * none while nothing emits.
 */
let currentBurst = 0;
let endScheduled = false;

function endBurst(): void {
  currentBurst += 1;
  endScheduled = false;
}

/** The burst a symptom emitted now belongs to (starting one, to end with this turn's microtasks). */
export function symptomBurst(): number {
  if (!endScheduled) {
    endScheduled = true;
    queueMicrotask(endBurst);
  }
  return currentBurst;
}
