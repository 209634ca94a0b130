import { Redis, type RedisOptions } from 'ioredis';

/** How homeostat talks to Redis: bounded waits, no silent resends. */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`. */
  readonly url: string;
  /** Longest wait for any one command (ms). Default 1 000. */
  readonly commandTimeoutMs?: number;
  /** Longest wait to connect (ms). Default 2 000. */
  readonly connectTimeoutMs?: number;
}

/**
 * Opens an ioredis client with timeouts that keep the loop's promises. ioredis' defaults queue commands while
 * disconnected and resend unanswered ones after a reconnect, so a command could block for over a minute or a
 * write be applied twice. Here a command fails fast instead (no offline queue, no automatic resend, a command
 * timeout); the caller (Knowledge) keeps its writes buffered in order and retries them, and every write is
 * idempotent, so a retry after an unknown result is safe. The client reconnects in the background.
 */
export function openRedis(options: RedisConnectionOptions): Redis {
  const settings: RedisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    // reconnect for ever, backing off to 2 s: the service keeps deciding on what it has meanwhile
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
  };
  const client = new Redis(options.url, settings);
  // errors reach the caller through rejected commands; an unhandled 'error' event would crash the process
  client.on('error', () => undefined);
  return client;
}
