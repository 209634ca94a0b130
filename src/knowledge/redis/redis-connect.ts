import type { Redis } from 'ioredis';
import { describeError } from '../../core/errors.js';

/** Pause between two attempts at start: short, so Redis back after a restart (~100 ms) is seen soon after. */
const START_RETRY_MS = 100;

/** Longest wait for a client left mid-attempt to end: ioredis' own disconnect timeout. */
const CLOSE_BOUND_MS = 2_000;

/** How long `connectRedis` keeps trying, and what its error names. */
export interface ConnectRedisOptions {
  /** Longest time (ms) from the call until Redis answers. */
  readonly timeoutMs: number;
  /** What is being reached, for the error (e.g. the URL with its password masked). */
  readonly target: string;
}

/**
 * Connects a client from `openRedis` and checks that Redis answers (PING), trying again and again until it does
 * or `timeoutMs` has passed since the call: an instance started during a short Redis outage (a restart, a
 * failover) starts once Redis is back. A client of `openRedis` does not reconnect by itself before it has been
 * ready once, so the attempts here are the only ones; a client that does reconnect by itself is waited for.
 * Once connected, the client reconnects in the background as usual.
 *
 * When Redis has not answered in time, a client that was never connected is closed (its status is `end` when this
 * rejects: nothing is left connecting in the background; one that reconnects by itself is left to it) and the
 * error names the target, how long it tried and the last cause.
 * @throws Error when Redis does not answer within `timeoutMs`
 */
export async function connectRedis(client: Redis, options: ConnectRedisOptions): Promise<void> {
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  let attempts = 0;
  let lastCause: unknown;
  let causeOfAttempt: unknown;
  let gaveUp = false;
  const noteError = (error: unknown): void => {
    causeOfAttempt = error;
    lastCause = error;
  };
  client.on('error', noteError);
  try {
    for (;;) {
      if (client.status === 'wait' || client.status === 'end') {
        attempts += 1;
        causeOfAttempt = undefined;
        // the rejection says less than the error events ('Connection is closed.' after ECONNREFUSED): the last resort
        client.connect().catch((error: unknown) => {
          if (causeOfAttempt === undefined && !gaveUp) lastCause = error;
        });
      }
      const reached = await readyOrEnded(client, deadline);
      if (reached === 'ready') {
        try {
          await client.ping();
          return;
        } catch (error) {
          lastCause = error;
        }
      }
      if (reached === 'timeout' || performance.now() >= deadline) break;
      await pause(Math.min(START_RETRY_MS, deadline - performance.now()));
      if (performance.now() >= deadline) break;
    }
  } finally {
    gaveUp = true;
    client.off('error', noteError);
  }
  await closed(client);
  const triedMs = Math.round(performance.now() - started);
  const cause = lastCause === undefined ? 'no answer' : describeCause(lastCause);
  throw new Error(`cannot reach Redis at ${options.target} within ${options.timeoutMs} ms (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'} over ${triedMs} ms); last: ${cause}`);
}

/** Resolves when the client is ready, has ended (an attempt failed), or at the deadline. */
function readyOrEnded(client: Redis, deadline: number): Promise<'ready' | 'end' | 'timeout'> {
  if (client.status === 'ready') return Promise.resolve('ready');
  return new Promise((resolve) => {
    const settle = (outcome: 'ready' | 'end' | 'timeout'): void => {
      cancelTimer();
      client.off('ready', onReady);
      client.off('end', onEnd);
      resolve(outcome);
    };
    const onReady = (): void => settle('ready');
    const onEnd = (): void => settle('end');
    const cancelTimer = afterMs(deadline - performance.now(), () => settle('timeout'));
    client.once('ready', onReady);
    client.once('end', onEnd);
  });
}

/**
 * Closes a client left mid-attempt and waits until it has ended: at once when the server refused or closed the
 * connection, else when ioredis' connect or disconnect timeout ends the socket (bounded here all the same).
 */
async function closed(client: Redis): Promise<void> {
  if (client.status === 'end' || client.status === 'reconnecting') return;
  const ended = new Promise<void>((resolve) => {
    const done = (): void => {
      cancelTimer();
      client.off('end', done);
      resolve();
    };
    const cancelTimer = afterMs(CLOSE_BOUND_MS, done);
    client.once('end', done);
  });
  client.disconnect();
  await ended;
}

/** The error's message, with the node's error behind a cluster's 'Failed to refresh slots cache.'. */
function describeCause(error: unknown): string {
  const behind = typeof error === 'object' && error !== null ? (error as { lastNodeError?: unknown }).lastNodeError : undefined;
  return behind === undefined ? describeError(error) : `${describeError(error)} (${describeError(behind)})`;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => afterMs(ms, resolve));
}

/**
 * Calls `fn` after `ms` of wall-clock time; returns the cancel. Connecting is about real sockets, timed by
 * ioredis on the wall clock too, not loop time: the injected scheduler has no say here.
 */
function afterMs(ms: number, fn: () => void): () => void {
  // eslint-disable-next-line no-restricted-globals -- real sockets, real time (see above)
  const timer = setTimeout(fn, Math.max(0, ms));
  return () => clearTimeout(timer);
}
