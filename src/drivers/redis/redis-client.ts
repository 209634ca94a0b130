import { Redis } from 'ioredis';

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
  const client = new Redis({
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
