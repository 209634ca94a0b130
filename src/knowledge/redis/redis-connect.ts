import type { Redis } from 'ioredis';
import { describeError } from '../../core/errors.js';
import { authRefusal } from './redis-auth-refusal.js';
import { endClient } from './redis-end.js';
import { afterMs, pause } from '../../core/wall-clock.js';

/** Pause between two attempts at start: short, so Redis back after a restart (~100 ms) is seen soon after. */
const START_RETRY_MS = 100;

/** How long `connectRedis` keeps trying, what its error names, and what stops it early. */
export interface ConnectRedisOptions {
  /** Longest time (ms) from the call until Redis answers. */
  readonly timeoutMs: number;
  /** What is being reached, for the error (e.g. the URL with its password masked). */
  readonly target: string;
  /**
   * Stops the attempts when aborted (the store is being closed): no attempt starts after it, the client is
   * ended, and `connectRedis` rejects with a "closed while connecting" error.
   */
  readonly signal?: AbortSignal;
}

/**
 * Connects a client from `openRedis` and checks that Redis answers (PING), trying again and again until it does
 * or `timeoutMs` has passed since the call: an instance started during a short Redis outage (a restart, a
 * failover) starts once Redis is back. A client of `openRedis` does not reconnect by itself before it has been
 * ready once, so the attempts here are the only ones; a client that does reconnect by itself is waited for.
 * Once connected, the client reconnects in the background as usual.
 *
 * Every wait (for the connection, the PING, the pause between attempts) is bounded by what is left of the
 * timeout. When Redis has not answered in time, a client that was never connected is ended (its status is `end`
 * when this rejects: nothing is left connecting in the background; one that reconnects by itself is left to it),
 * its sockets destroyed when a polite close does not end it at once (a server that accepts but never answers),
 * and the error names the target, how long it tried and the last cause. Either way it settles within
 * `timeoutMs + 100 ms` (plus event-loop delays), and within 150 ms of `signal` being aborted.
 *
 * A refusal of the credentials (WRONGPASS, NOAUTH, NOPERM: see `authRefusal`) is not tried again, since the
 * same credentials are refused again: the client is ended at once and this rejects as soon as Redis has said so.
 * Nor is a database the server does not have (the URL's `/99` where Redis has 16): ioredis would only emit the
 * refusal of its SELECT as an event and go on in database 0, mixing the data with another deployment's.
 * @throws Error when Redis does not answer within `timeoutMs`, "refused authentication" naming the target (its
 *   password masked, as `target` is) and Redis' reply when Redis refuses the credentials, or "closed while
 *   connecting" when `signal` is aborted first, "has no such database" naming the target and Redis' reply to
 *   SELECT when the URL's database does not exist
 */
export async function connectRedis(client: Redis, options: ConnectRedisOptions): Promise<void> {
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const { signal } = options;
  let attempts = 0;
  let lastCause: unknown;
  let causeOfAttempt: unknown;
  let gaveUp = false;
  let refusal: string | undefined;
  let noDatabase: string | undefined;
  const noteError = (error: unknown): void => {
    causeOfAttempt = error;
    lastCause = error;
  };
  client.on('error', noteError);
  try {
    while (!signal?.aborted) {
      if (client.status === 'wait' || client.status === 'end') {
        attempts += 1;
        causeOfAttempt = undefined;
        // the rejection says less than the error events ('Connection is closed.' after ECONNREFUSED): the last resort
        client.connect().catch((error: unknown) => {
          if (causeOfAttempt === undefined && !gaveUp) lastCause = error;
        });
      }
      const reached = await readyOrEnded(client, deadline, signal);
      if (reached === 'ready') {
        const answer = await askWithin(client, () => client.ping(), deadline, signal);
        if (answer === 'answered') {
          // ioredis selects the URL's database on every connect, but only emits a refusal as an event and
          // then writes to database 0: asked again here, so that a database the server does not have fails
          const db = databaseOf(client);
          const selected = db === 0 ? 'answered' : await askWithin(client, () => client.select(db), deadline, signal);
          if (selected === 'answered') return;
          if (typeof selected === 'object' && /^ERR\b/.test(describeError(selected.error))) noDatabase = `SELECT ${db}: ${describeError(selected.error)}`;
          else lastCause = typeof selected === 'object' ? selected.error : new Error(`no answer to SELECT ${db}`);
        } else if (answer === 'timeout') lastCause = new Error('no answer to PING');
        else if (typeof answer === 'object') lastCause = answer.error;
      }
      refusal = authRefusal(lastCause);
      if (refusal !== undefined || noDatabase !== undefined || signal?.aborted || reached === 'timeout' || performance.now() >= deadline) break;
      await pause(Math.min(START_RETRY_MS, deadline - performance.now()), signal);
      if (performance.now() >= deadline) break;
    }
  } finally {
    gaveUp = true;
    client.off('error', noteError);
  }
  // a client that reconnects by itself would stay `reconnecting` after a disconnect: it is left to itself
  const refused = refusal !== undefined || noDatabase !== undefined;
  if (client.status !== 'reconnecting' || refused) await endClient(client, signal?.aborted || refused ? performance.now() : deadline);
  if (signal?.aborted) throw new Error(`closed while connecting to Redis at ${options.target} (after ${Math.round(performance.now() - started)} ms)`);
  const triedMs = Math.round(performance.now() - started);
  if (refusal !== undefined) {
    throw new Error(`Redis at ${options.target} refused authentication (after ${triedMs} ms, not retried: the same credentials would be refused again): ${refusal.replace(/\.$/, '')}; check the user and password of the URL and the user's ACL`);
  }
  if (noDatabase !== undefined) {
    throw new Error(`Redis at ${options.target} has no such database (${noDatabase}; after ${triedMs} ms, not retried): the path of the URL is the database number, from 0 to the server's 'databases' setting less 1`);
  }
  const cause = lastCause === undefined ? 'no answer' : describeCause(lastCause);
  throw new Error(`cannot reach Redis at ${options.target} within ${options.timeoutMs} ms (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'} over ${triedMs} ms); last: ${cause}`);
}

/** Resolves when the client is ready, has ended (an attempt failed), at the deadline, or when `signal` is aborted. */
function readyOrEnded(client: Redis, deadline: number, signal: AbortSignal | undefined): Promise<'ready' | 'end' | 'timeout' | 'aborted'> {
  // an abort listener added to an aborted signal never fires: look first
  if (signal?.aborted) return Promise.resolve('aborted');
  if (client.status === 'ready') return Promise.resolve('ready');
  return new Promise((resolve) => {
    const settle = (outcome: 'ready' | 'end' | 'timeout' | 'aborted'): void => {
      cancelTimer();
      client.off('ready', onReady);
      client.off('end', onEnd);
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onReady = (): void => settle('ready');
    const onEnd = (): void => settle('end');
    const onAbort = (): void => settle('aborted');
    const cancelTimer = afterMs(deadline - performance.now(), () => settle('timeout'));
    client.once('ready', onReady);
    client.once('end', onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The database a client from `openRedis` selects on connecting (0 for a cluster, which has only that one). */
function databaseOf(client: Redis): number {
  const db = (client.options as { db?: unknown } | undefined)?.db;
  return typeof db === 'number' ? db : 0;
}

/**
 * Sends a command (PING, SELECT) and resolves with its outcome, at the deadline at the latest (the command
 * timeout may be longer than what is left), or when `signal` is aborted (also before the command is sent, and
 * while its answer is on its way: a close that came first wins over an answer). A command left unanswered is
 * settled by the client's end.
 */
function askWithin(client: Redis, ask: () => Promise<unknown>, deadline: number, signal: AbortSignal | undefined): Promise<'answered' | 'timeout' | 'aborted' | { error: unknown }> {
  if (signal?.aborted) return Promise.resolve('aborted');
  return new Promise((resolve) => {
    const settle = (outcome: 'answered' | 'timeout' | 'aborted' | { error: unknown }): void => {
      cancelTimer();
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = (): void => settle('aborted');
    const cancelTimer = afterMs(deadline - performance.now(), () => settle('timeout'));
    signal?.addEventListener('abort', onAbort, { once: true });
    ask().then(
      () => settle(signal?.aborted ? 'aborted' : 'answered'),
      (error: unknown) => settle({ error }),
    );
  });
}

/** The error's message, with the node's error behind a cluster's 'Failed to refresh slots cache.'. */
function describeCause(error: unknown): string {
  const behind = typeof error === 'object' && error !== null ? (error as { lastNodeError?: unknown }).lastNodeError : undefined;
  return behind === undefined ? describeError(error) : `${describeError(error)} (${describeError(behind)})`;
}
