import { createRequire } from 'node:module';
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
  return client;
}
