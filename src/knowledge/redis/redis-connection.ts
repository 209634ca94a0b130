import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { EndingSentinelConnector } from './ending-sentinel-connector.js';
import { parseRedisUrl, type RedisTarget } from './redis-url.js';

/**
 * Longest polite close (FIN) of a connection after `disconnect()` before ioredis destroys its socket (ms).
 * ioredis' default is 2 s; a server that accepts but never answers (a paused Redis, a black-holing proxy) never
 * finishes the close, and a connection the client cannot reach (a cluster's slots refresher) would stay open
 * that long. A healthy Redis answers the FIN at once, and `quit()` (QUIT, then Redis closes) does not use it.
 */
export const DISCONNECT_TIMEOUT_MS = 100;

/** How homeostat talks to Redis: bounded waits, no silent resends. */
export interface RedisConnectionOptions {
  /**
   * One Redis: `redis://[user:password@]host:port[/db]` or `rediss://...`.
   * A primary watched by Sentinel: `redis+sentinel://[user:password@]host:port,host:port/mastername[/db]`.
   * Redis Cluster: `redis+cluster://[user:password@]host:port,host:port`.
   */
  readonly url: string;
  /** Longest wait for any one command (ms). Default 1 000. */
  readonly commandTimeoutMs?: number;
  /** Longest wait for Redis to answer at start, from the call to `connectRedis` (ms); also bounds each socket connect. Default 2 000. */
  readonly connectTimeoutMs?: number;
}

/**
 * Opens an ioredis client with timeouts that keep the loop's promises. ioredis' defaults queue commands while
 * disconnected and resend unanswered ones after a reconnect, so a command could block for over a minute or a
 * write be applied twice. Here a command fails fast instead (no offline queue, no automatic resend, a command
 * timeout); the caller (Knowledge) keeps its writes buffered in order and retries them, and every write is
 * idempotent, so a retry after an unknown result is safe. A connection whose polite close the server does not
 * finish is destroyed after `DISCONNECT_TIMEOUT_MS`, a cluster's slots refresher and the sentinels' connections
 * included. Once it has been connected, the client reconnects in
 * the background: through Sentinel it asks the sentinels for the current primary each time, so it follows a
 * failover. Before that it makes no attempt of its own: connect it with `connectRedis`, which keeps trying
 * within the connect timeout (ioredis' `connect()` gives up on the first closed connection).
 *
 * A Redis Cluster client is returned typed as `Redis`: homeostat sends it only commands whose keys share one
 * hash tag (one slot), which ioredis' Cluster routes to the slot's primary; commands without keys (WAIT) are
 * not routed that way, so a lease on a cluster refuses replica acknowledgements (see RedisLease).
 * @throws RangeError when the URL is not one of these forms
 */
export function openRedis(options: RedisConnectionOptions): Redis {
  const target = parseRedisUrl(options.url);
  const backoff = reconnectBackoff();
  const settings: RedisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    // once connected, reconnect for ever, backing off to 2 s: the service keeps deciding on what it has meanwhile
    retryStrategy: backoff.next,
  };
  let client: Redis;
  if (target.kind === 'single') client = new Redis(options.url, settings);
  else {
    const auth = { ...(target.username ? { username: target.username } : {}), ...(target.password ? { password: target.password } : {}) };
    client = target.kind === 'sentinel' ? sentinelClient(target, settings, auth, backoff) : clusterClient(target, settings, auth, options.connectTimeoutMs ?? 2_000, backoff);
  }
  client.once('ready', backoff.connected);
  // errors reach the caller through rejected commands; an unhandled 'error' event would crash the process
  client.on('error', () => undefined);
  return client;
}

/**
 * The delay before a reconnect: none before the client has been ready once (a failed first attempt ends the
 * client, status `end`, and `connectRedis` makes the attempts at start, within the connect timeout, so nothing
 * keeps connecting in the background after a start that gave up; ioredis' own retry would also keep a Sentinel
 * client's first `connect()` pending for ever while no sentinel answers); after that, backing off to 2 s, for ever.
 */
interface Backoff {
  readonly next: (attempt: number) => number | null;
  readonly connected: () => void;
}

function reconnectBackoff(): Backoff {
  let wasReady = false;
  return {
    next: (attempt) => (wasReady ? Math.min(100 * 2 ** Math.min(attempt, 5), 2_000) : null),
    connected: () => (wasReady = true),
  };
}

type Auth = { username?: string; password?: string };

function sentinelClient(target: Extract<RedisTarget, { kind: 'sentinel' }>, settings: RedisOptions, auth: Auth, backoff: Backoff): Redis {
  return new Redis({
    ...settings,
    ...auth,
    db: target.db,
    name: target.master,
    role: 'master',
    sentinels: target.hosts,
    // sentinels share the data nodes' credentials unless told otherwise; the client re-asks them on every reconnect
    ...(auth.password ? { sentinelPassword: auth.password } : {}),
    ...(auth.username ? { sentinelUsername: auth.username } : {}),
    sentinelRetryStrategy: backoff.next,
    // a sentinel that accepts but never answers is given up after a command's timeout (ioredis has none by
    // default: the question would wait for ever), and the next one asked
    sentinelCommandTimeout: settings.commandTimeout,
    // ends the connections to the sentinels with the client (see EndingSentinelConnector)
    Connector: EndingSentinelConnector,
    failoverDetector: true,
  });
}

function clusterClient(target: Extract<RedisTarget, { kind: 'cluster' }>, settings: RedisOptions, auth: Auth, connectTimeoutMs: number, backoff: Backoff): Redis {
  const { retryStrategy: _retry, enableOfflineQueue: _queue, ...nodeSettings } = settings;
  const cluster = new Cluster(target.hosts, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRedirections: 4,
    slotsRefreshTimeout: connectTimeoutMs,
    clusterRetryStrategy: backoff.next,
    redisOptions: { ...nodeSettings, ...auth },
  });
  return cluster as unknown as Redis;
}

/** Whether a client from `openRedis` talks to a Redis Cluster. */
export function isCluster(client: Redis): boolean {
  return (client as unknown) instanceof Cluster;
}
