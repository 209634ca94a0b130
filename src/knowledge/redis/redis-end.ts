import type { Cluster, Redis } from 'ioredis';
import { isCluster } from './redis-connection.js';
import { afterMs } from './wall-clock.js';

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
 * @param deadline `performance.now()` time by which the polite close must be over
 */
export async function endClient(client: Redis, deadline: number): Promise<void> {
  if (client.status === 'end') return;
  // the sockets before the disconnect: a cluster drops its nodes from its pool as it disconnects them
  const sockets = socketsOf(client);
  client.disconnect();
  if (await endedWithin(client, Math.min(POLITE_END_MS, deadline - performance.now()))) return;
  for (const socket of sockets) socket.destroy();
  await endedWithin(client, DESTROYED_END_MS);
}

/** The sockets of a client: its own, or those of a cluster's nodes. */
function socketsOf(client: Redis): { destroy(): void }[] {
  const clients = isCluster(client) ? (client as unknown as Cluster).nodes('all') : [client];
  // `stream` is unset before a first connect
  return clients.map((c) => (c as { stream?: { destroy(): void } }).stream).filter((s): s is { destroy(): void } => s !== undefined);
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
