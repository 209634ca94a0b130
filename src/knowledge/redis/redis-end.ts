import type { Cluster, Redis } from 'ioredis';
import { isCluster } from './redis-connection.js';
import { afterMs } from '../../core/wall-clock.js';

/** Longest wait for a client to end once its sockets are destroyed (ms): a few turns of the event loop. */
export const DESTROYED_END_MS = 100;

/** Longest wait for a polite close (FIN) to end the client before its sockets are destroyed (ms). */
const POLITE_END_MS = 50;

/**
 * Ends a client left mid-attempt and resolves once its status is `end`: it is disconnected, and when that
 * does not end it at once (a server that accepts but never answers, e.g. a paused Redis, never finishes the
 * close; ioredis would wait its disconnect timeout, `DISCONNECT_TIMEOUT_MS`), its sockets are destroyed.
 * Takes at most `min(50 ms, what is left until deadline) + 100 ms`, so at most 100 ms past `deadline`.
 * Connections outside the client's reach are ioredis' to end: a sentinel's with the client (see
 * EndingSentinelConnector); a cluster's slots refresher once its CLUSTER SLOTS times out (the command timeout
 * from when it was sent), then within `DISCONNECT_TIMEOUT_MS`.
 *
 * A client waiting to reconnect (Redis went away after it was connected) has no connection open, only the
 * timer of its next attempt: `disconnect()` cancels that timer, and since no connection closes after it,
 * ioredis would leave the status `reconnecting` for ever; it is set to `end` here, at once (see `markEnded`).
 * @param deadline `performance.now()` time by which the polite close must be over
 */
export async function endClient(client: Redis, deadline: number): Promise<void> {
  if (client.status === 'end') return;
  // the sockets before the disconnect: a cluster drops its nodes from its pool as it disconnects them
  const sockets = socketsOf(client);
  const waitingToReconnect = client.status === 'reconnecting' && !sockets.some((socket) => !socket.destroyed);
  client.disconnect();
  if (waitingToReconnect) markEnded(client);
  if (await endedWithin(client, Math.min(POLITE_END_MS, deadline - performance.now()))) return;
  for (const socket of sockets) socket.destroy();
  await endedWithin(client, DESTROYED_END_MS);
}

/**
 * Sets the status of a client with nothing left open (no socket, no reconnect timer: after `disconnect()`) to
 * `end`, with its 'end' event, as ioredis does when a connection closes. ioredis' `setStatus` is private (not
 * in its typings); should a later ioredis have none, the status stays what it was (the tests of a close while
 * reconnecting would then fail), with nothing open either way.
 */
function markEnded(client: Redis): void {
  if (client.status === 'end') return;
  const internals = client as unknown as { setStatus?: (status: string) => void };
  if (typeof internals.setStatus === 'function') internals.setStatus.call(client, 'end');
}

/** What `endClient` needs of a socket. */
interface ClientSocket {
  readonly destroyed: boolean;
  destroy(): void;
}

/** The sockets of a client: its own, or those of a cluster's nodes. */
function socketsOf(client: Redis): ClientSocket[] {
  const clients = isCluster(client) ? (client as unknown as Cluster).nodes('all') : [client];
  // `stream` is unset before a first connect
  return clients.map((c) => (c as { stream?: ClientSocket }).stream).filter((s): s is ClientSocket => s !== undefined);
}

/** Whether the client's status is `end` within `ms` (at once when it already is). */
function endedWithin(client: Redis, ms: number): Promise<boolean> {
  if (client.status === 'end') return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (ended: boolean): void => {
      cancelTimer();
      client.off('end', onEnd);
      resolve(ended);
    };
    const onEnd = (): void => settle(true);
    const cancelTimer = afterMs(ms, () => settle(client.status === 'end'));
    client.once('end', onEnd);
  });
}
