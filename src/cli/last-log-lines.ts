import type { Logger } from 'pino';

/**
 * Waits for the log's last lines to be written (an asynchronous destination buffers them), at most `waitMs`,
 * and no longer than until `interrupt` resolves: a second SIGINT or SIGTERM that comes while they drain asks
 * to end at once, as it does during the stop. Resolves with that signal, or undefined once the lines are
 * written or the wait is over (a reader that does not read must not keep the process alive).
 * @param waitMs how long the lines may take (ms)
 * @param interrupt resolves with a signal that ends the wait at once; omit when none may come
 */
export async function drainLastLines(logger: Logger, waitMs: number, interrupt?: Promise<NodeJS.Signals>): Promise<NodeJS.Signals | undefined> {
  let fallback: NodeJS.Timeout | undefined;
  const drained = new Promise<undefined>((resolve) => {
    fallback = setTimeout(() => resolve(undefined), waitMs);
    try {
      logger.flush(() => resolve(undefined));
    } catch {
      // a destination without flush has nothing buffered
      resolve(undefined);
    }
  });
  try {
    return await Promise.race(interrupt === undefined ? [drained] : [drained, interrupt]);
  } finally {
    clearTimeout(fallback);
  }
}
