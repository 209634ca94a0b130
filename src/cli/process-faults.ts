import type { Logger } from 'pino';
import { describeError } from '../core/errors.js';

/** What the process reported that no code of the run handled, and the listeners that took it. */
export interface ProcessFaults {
  /** Resolves with why the run must stop, at the first uncaught exception. */
  readonly uncaught: Promise<string>;
  /** Why the run must stop, once an uncaught exception came; undefined before. */
  readonly failure: string | undefined;
  /** Removes the listeners (call it last: an exception after it ends the process by Node's default). */
  release(): void;
}

/** The first frame of an error's stack (`at file:line:col`), which names the module that threw. */
function firstFrame(error: unknown): string | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  return stack?.split('\n').find((line) => /^\s+at /.test(line))?.trim();
}

/**
 * Takes over what Node does with an exception no code caught (a policy module's own timer that throws) and a
 * promise rejection no code handled, for `homeostat run`: Node would print its raw dump and end the process at
 * once, with no log line, effectors not stopped and knowledge not flushed.
 * - An uncaught exception is logged as an ERROR line with its stack (which names the module's file), and
 *   `uncaught` resolves: the run stops in order, as on SIGTERM, and exits with 1. Later ones (while it stops)
 *   are logged too.
 * - An unhandled rejection is logged as an ERROR line with its stack, and the run goes on: nothing is known to
 *   be broken, only that a promise's failure went unobserved.
 * @param target the process (a stand-in in tests)
 */
export function watchProcessFaults(logger: Logger, target: NodeJS.EventEmitter = process): ProcessFaults {
  let failure: string | undefined;
  let stop: (why: string) => void = () => undefined;
  const uncaught = new Promise<string>((resolve) => (stop = resolve));
  const onException = (error: unknown): void => {
    const stack = error instanceof Error ? error.stack : undefined;
    const frame = firstFrame(error);
    const what = `${describeError(error)}${frame === undefined ? '' : ` (${frame})`}`;
    logger.error(stack === undefined ? { error: describeError(error) } : { stack }, failure === undefined ? `uncaught exception, stopping: ${what}` : `uncaught exception while stopping: ${what}`);
    if (failure !== undefined) return;
    failure = `an uncaught exception stopped the run: ${what}`;
    stop(failure);
  };
  const onRejection = (reason: unknown): void => {
    const stack = reason instanceof Error ? reason.stack : undefined;
    const frame = firstFrame(reason);
    logger.error(stack === undefined ? { error: describeError(reason) } : { stack }, `unhandled promise rejection (the run goes on): ${describeError(reason)}${frame === undefined ? '' : ` (${frame})`}`);
  };
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return {
    uncaught,
    get failure() {
      return failure;
    },
    release: () => {
      target.off('uncaughtException', onException);
      target.off('unhandledRejection', onRejection);
    },
  };
}
