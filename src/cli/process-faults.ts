import { describeError } from '../core/errors.js';
import type { FaultTeller, FaultWords } from './fault-telling.js';

/** What the process reported that no code of the command handled, and the listeners that took it. */
export interface ProcessFaults {
  /** Resolves with why the command must stop, at the first uncaught exception. */
  readonly uncaught: Promise<string>;
  /** Aborted at the first uncaught exception, with an Error whose message is `failure`. */
  readonly signal: AbortSignal;
  /** Why the command must stop, once an uncaught exception came; undefined before. */
  readonly failure: string | undefined;
  /** Unhandled rejections told so far. */
  readonly rejections: number;
  /** Removes the listeners (call it last: an exception after it ends the process by Node's default). */
  release(): void;
}

/** The first frame of an error's stack (`at file:line:col`), which names the module that threw. */
function firstFrame(error: unknown): string | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  return stack?.split('\n').find((line) => /^\s+at /.test(line))?.trim();
}

/** What was thrown or rejected with, and where: `<message> (at <first frame>)`. */
function whatAndWhere(error: unknown): string {
  const frame = firstFrame(error);
  return `${describeError(error)}${frame === undefined ? '' : ` (${frame})`}`;
}

/** The stack of what was thrown, or its description when it has none (a string, an object). */
function detailOf(error: unknown): { readonly stack: string } | { readonly error: string } {
  const stack = error instanceof Error ? error.stack : undefined;
  return stack === undefined ? { error: describeError(error) } : { stack };
}

/**
 * Takes over what Node does with an exception no code caught (a policy module's own timer that throws) and a
 * promise rejection no code handled, for a command that loads policy modules (`run`, `simulate`, `validate`):
 * Node would print its raw dump and end the process at once, saying nothing of what the command was doing (for
 * `run`: no log line, effectors not stopped and knowledge not flushed).
 * - An uncaught exception is told (`tell`) with its stack, whose first frame names the module's file, as
 *   `<words.stopping>: <message> (at <frame>)`; `uncaught` resolves and `signal` aborts with
 *   `<words.stopped>: ...`: the command stops in order and exits with 1. Later ones (while it stops) are told too.
 * - An unhandled rejection is told the same way, as `<words.rejection>: ...`, and counted: the command goes on,
 *   as nothing is known to be broken, only that a promise's failure went unobserved.
 * @param target the process (a stand-in in tests)
 */
export function watchProcessFaults(tell: FaultTeller, words: FaultWords, target: NodeJS.EventEmitter = process): ProcessFaults {
  let failure: string | undefined;
  let rejections = 0;
  let stop: (why: string) => void = () => undefined;
  const uncaught = new Promise<string>((resolve) => (stop = resolve));
  const aborting = new AbortController();
  const onException = (error: unknown): void => {
    const what = whatAndWhere(error);
    tell(`${failure === undefined ? words.stopping : words.whileStopping}: ${what}`, detailOf(error));
    if (failure !== undefined) return;
    failure = `${words.stopped}: ${what}`;
    stop(failure);
    aborting.abort(new Error(failure));
  };
  const onRejection = (reason: unknown): void => {
    rejections += 1;
    tell(`${words.rejection}: ${whatAndWhere(reason)}`, detailOf(reason));
  };
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return {
    uncaught,
    signal: aborting.signal,
    get failure() {
      return failure;
    },
    get rejections() {
      return rejections;
    },
    release: () => {
      target.off('uncaughtException', onException);
      target.off('unhandledRejection', onRejection);
    },
  };
}
