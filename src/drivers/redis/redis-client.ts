import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';

// ioredis (a CommonJS package of some 80 modules) is loaded when the first client is opened, not when the
// driver module is: `homeostat validate` and `simulate` register every entity type and never connect
const requireLazily = createRequire(import.meta.url);

/** Where and how a `redis` entity reaches its server. */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  readonly password?: string;
  /** Longest wait for one command, and to connect (ms). */
  readonly timeoutMs: number;
}

/** Most bytes read toward the replies of the commands in flight; INFO replication is about 1 KiB. */
const REPLY_BYTE_LIMIT = 4 * 1024 * 1024;

/**
 * Drops the connection once more than `REPLY_BYTE_LIMIT` bytes have come in while commands wait for their
 * replies: ioredis buffers a bulk reply whole, so a server (or anything on its port) that announces a huge
 * one and sends it cost its size in memory (1 GB sent at once: 2 GB RSS). The commands in flight fail and
 * the client reconnects. The count restarts whenever no command waits (ioredis parses a chunk before this
 * listener sees it: its own is prepended).
 */
function boundReplies(client: Redis): void {
  const internals = client as unknown as { stream?: Socket; commandQueue?: { length: number } };
  const stream = internals.stream;
  if (stream === undefined) return;
  let received = 0;
  stream.on('data', (chunk: Buffer) => {
    if ((internals.commandQueue?.length ?? 0) === 0) received = 0;
    else if ((received += chunk.length) > REPLY_BYTE_LIMIT) stream.destroy();
  });
}

/** Clients that have been connected at least once: a reconnecting one is not waited for. */
const connectedOnce = new WeakSet<Redis>();

/**
 * An ioredis client for probing and commanding one server: no offline queue and no automatic resend (a
 * command fails at once while disconnected, and a REPLICAOF is never applied twice behind our back), a
 * short command timeout, and quick reconnects so a server that comes back is seen within a poll or two.
 */
export function openNodeClient(endpoint: RedisEndpoint): Redis {
  const { Redis: RedisClient } = requireLazily('ioredis') as typeof import('ioredis');
  const client = new RedisClient({
    host: endpoint.host,
    port: endpoint.port,
    ...(endpoint.password === undefined ? {} : { password: endpoint.password }),
    lazyConnect: false,
    connectTimeout: endpoint.timeoutMs,
    commandTimeout: endpoint.timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: false,
    retryStrategy: () => 200,
  });
  // failures reach the caller through rejected commands; an unhandled 'error' event would end the process
  client.on('error', () => undefined);
  client.on('connect', () => boundReplies(client));
  client.once('ready', () => connectedOnce.add(client));
  return client;
}

/**
 * Resolves once a new `client` of `openNodeClient` has connected, or after `timeoutMs` either way; at once
 * for a client that has been connected before (one that lost its server fails its commands at once, as
 * before). A new client without an offline queue refuses every command until it is connected: without this
 * wait, the first read through a fresh connection (a replica's first sample of its primary's offset) always
 * failed, and a replica could still have no known lag when its primary stopped a poll later.
 */
export function whenConnected(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready' || connectedOnce.has(client)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
  });
}
