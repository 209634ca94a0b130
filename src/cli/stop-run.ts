import { constants } from 'node:os';
import { describeError } from '../core/errors.js';
import { Deadline } from '../core/deadline.js';
import { describeWork, type WorkInFlight } from './work-in-flight.js';

/**
 * Exit codes of `homeostat run` once it ran: 0 when it stopped cleanly, 1 when the stop failed or cut work
 * short (see `stopRun`) or `until` failed; a forced exit has its signal's code (`forcedExitCode`).
 */
export const RUN_EXIT = { stopped: 0, failed: 1 } as const;

/** The shell's code for a process ended by `signal`: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export function forcedExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/** How a stop ended. */
export interface StopOutcome {
  readonly code: number;
  /** Why the code is not 0, as one sentence for stderr; absent when it is 0. */
  readonly problem?: string;
  /** The signal that ended the stop at once, when one did. */
  readonly forcedBy?: NodeJS.Signals;
}

/** Bounds of a stop and what can cut it short. */
export interface StopBounds {
  /** The whole stop's grace (ms): past it the stop is abandoned. */
  readonly graceMs: number;
  /**
   * When effectors still in flight are aborted (ms after the stop began): one deadline for every step, the
   * sequence gives each what is left of it (see `stopRun`).
   */
  readonly effectorGraceMs: number;
  /** What the run has under way: read when the stop is cut short, to say what it abandons. */
  readonly work: WorkInFlight;
  /** Resolves with the signal that asks to end at once instead of waiting for the stop. */
  readonly forced: Promise<NodeJS.Signals>;
  /** The clock the effector deadline is on (ms); default the monotonic `performance.now()`. */
  readonly now?: () => number;
}

/**
 * Runs a run's stop sequence within its bounds. The sequence gets the effector deadline, fixed when the stop
 * begins (`effectorGraceMs` from now): each of its steps that waits on effectors (the HTTP close, the
 * engine's stop) is to give them `effectorDeadline.leftMs()`, so a step that ran long leaves the next less, never a
 * full grace of its own. The code is 0 only when the sequence finished with nothing cut short; 1 when it
 * failed (a step threw: the last knowledge flush, a store that cannot close), when it aborted effectors
 * (their records end aborted: what a step really cut, not what happened to run at some moment), or when the
 * whole grace passed first; a forced end has its signal's code (130, 143). In the last two the sequence is
 * left running: the caller ends the process.
 */
export async function stopRun(sequence: (effectorDeadline: Deadline) => Promise<void>, bounds: StopBounds): Promise<StopOutcome> {
  const seconds = (ms: number): string => `${ms / 1000} s`;
  let graceTimer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => {
    // kept referenced: while the stop sequence waits on something with no handle of its own, this timer keeps
    // the process alive, so it ends through this function (with its code) and never silently with 0
    graceTimer = setTimeout(() => resolve('timeout'), bounds.graceMs);
  });
  const effectorDeadline = Deadline.in(bounds.effectorGraceMs, bounds.now);
  bounds.work.stopBegan();
  const outcome = await Promise.race([
    sequence(effectorDeadline).then(
      () => ({ done: true }) as const,
      (error: unknown) => ({ error }) as const,
    ),
    graceOver.then(() => ({ timeout: true }) as const),
    bounds.forced.then((signal) => ({ signal }) as const),
  ]);
  clearTimeout(graceTimer);
  if ('signal' in outcome) {
    return { code: forcedExitCode(outcome.signal), forcedBy: outcome.signal, problem: `a second ${outcome.signal} ended the stop at once; abandoned: ${describeWork(bounds.work.snapshot())}` };
  }
  if ('timeout' in outcome) {
    return { code: RUN_EXIT.failed, problem: `the stop grace of ${seconds(bounds.graceMs)} has passed with work still running; abandoned: ${describeWork(bounds.work.snapshot())}` };
  }
  if ('error' in outcome) return { code: RUN_EXIT.failed, problem: `stopping failed: ${describeError(outcome.error)}` };
  const cut = bounds.work.aborted();
  if (cut.length > 0) {
    const aborted = describeWork({ invocations: cut, processes: 0, pendingWrites: 0, step: undefined });
    return { code: RUN_EXIT.failed, problem: `the stop grace (${seconds(bounds.graceMs)}, ${seconds(bounds.effectorGraceMs)} of it for effectors) passed with effectors still running, so they were aborted: ${aborted}` };
  }
  return { code: RUN_EXIT.stopped };
}
