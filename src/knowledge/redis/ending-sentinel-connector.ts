import { SentinelConnector, type Redis, type SentinelConnectionOptions } from 'ioredis';

/**
 * Longest polite close (QUIT, FIN) of a connection to a sentinel before its socket is destroyed (ms). ioredis'
 * default is 2 s; a sentinel that accepts but never answers never finishes the close.
 */
export const SENTINEL_DISCONNECT_MS = 50;

/** ioredis' internal factory of connections to one sentinel (not in its typings). */
type ConnectToSentinel = (endpoint: unknown, options?: Record<string, unknown>) => Redis;

/**
 * ioredis' SentinelConnector whose connections to the sentinels end when the client is disconnected. ioredis
 * asks a sentinel for the primary's address on a connection of its own that the client cannot reach: while
 * that question is unanswered (a sentinel that accepts but never answers), `disconnect()` alone leaves the
 * client `connecting` and the socket open until the sentinel command timeout. Here `disconnect()` also
 * disconnects every sentinel connection still open, and each of them destroys its socket at most
 * `SENTINEL_DISCONNECT_MS` after a close that the sentinel does not finish: the client is `end` within a few
 * event-loop turns of that.
 *
 * The connections are followed by wrapping ioredis' (private) `connectToSentinel`; should a later ioredis have
 * none, this is ioredis' connector unchanged (the tests of a silent sentinel would then fail).
 */
export class EndingSentinelConnector extends SentinelConnector {
  private readonly sentinelClients = new Set<Redis>();

  /** @param options the client's options (ioredis passes them all to its `Connector`), sentinels included */
  constructor(options: unknown) {
    super(options as SentinelConnectionOptions);
    const internals = this as unknown as { connectToSentinel?: ConnectToSentinel };
    const open = internals.connectToSentinel;
    if (typeof open !== 'function') return;
    internals.connectToSentinel = (endpoint, extra) => {
      const client = open.call(this, endpoint, { disconnectTimeout: SENTINEL_DISCONNECT_MS, ...extra });
      this.sentinelClients.add(client);
      client.once('end', () => this.sentinelClients.delete(client));
      return client;
    };
  }

  /** Disconnects like ioredis' connector, and every connection to a sentinel still open with it. */
  override disconnect(): void {
    super.disconnect();
    for (const client of this.sentinelClients) client.disconnect();
  }
}
