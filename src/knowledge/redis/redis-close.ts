import type { Redis } from 'ioredis';
import { endClient } from './redis-end.js';
import { afterMs } from '../../core/wall-clock.js';

/**
 * Longest wait for Redis to answer QUIT at close (ms), and then for it to close the connection. A healthy Redis
 * answers at once, after the commands sent before the QUIT; a hung one (a paused process, a black-holing
 * proxy) never does, and would otherwise hold the close for the command timeout.
 */
export const QUIT_WAIT_MS = 100;

/**
 * Closes a client for good and resolves once its status is `end`, with no socket of its own left open and no
 * reconnect attempt to come:
 * - never connected (`wait`): ended without opening a connection (a QUIT would connect a lazy client first);
 * - `ready`: QUIT, so that Redis runs what was sent before it and then closes; when Redis has not answered
 *   and closed within `QUIT_WAIT_MS`, the connection is destroyed (what was sent and not answered may or may not
 *   have been run: every write of the store is idempotent, and the Knowledge front learns of it as a failure);
 * - connecting, or waiting to reconnect after Redis went away: ended at once (see `endClient`).
 *
 * Takes at most `QUIT_WAIT_MS` twice plus `DESTROYED_END_MS` (100 ms), plus event-loop delays.
 */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'wait') {
    client.disconnect();
    return;
  }
  if (client.status === 'ready') {
    const ended = waitForEnd(client, 2 * QUIT_WAIT_MS);
    const answered = await within(client.quit(), QUIT_WAIT_MS);
    // after its answer to QUIT, Redis closes the connection: polite, and nothing to destroy
    if (answered && (await ended)) return;
  }
  await endClient(client, performance.now());
}

/** Whether `promise` resolves within `ms` (false when it rejects or takes longer; a later rejection is ignored). */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const cancelTimer = afterMs(ms, () => resolve(false));
    promise.then(
      () => {
        cancelTimer();
        resolve(true);
      },
      () => {
        cancelTimer();
        resolve(false);
      },
    );
  });
}

/** Whether the client's status is `end` within `ms` from now. */
function waitForEnd(client: Redis, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (): void => {
      cancelTimer();
      client.off('end', settle);
      resolve(client.status === 'end');
    };
    const cancelTimer = afterMs(ms, settle);
    client.once('end', settle);
  });
}
