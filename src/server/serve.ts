import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { Deployment } from '../blueprint/deployment.js';
import type { AuthSettings } from './auth.js';
import { homeostatPlugin } from './plugin.js';
import type { AlertmanagerReceiverOptions } from './routes-alertmanager.js';
import type { HaView } from '../cluster/ha-status.js';
import { StopCoordinator } from './stop-coordinator.js';
import { DEFAULT_SERVICE_STOP_GRACE_MS } from './plugin-options.js';
import { checkGrace } from '../core/engine/engine-options.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, requestTimeoutOptions } from './request-timeout.js';
import { routeEveryMethod } from './method-routes.js';
import { DEFAULT_MAX_CONNECTIONS, checkMaxConnections, limitConnections, listeningServers, type ConnectionLimitReport } from './connection-limit.js';
import { refuseConnect } from './connect-refusal.js';

/** Options of the standalone service. */
export interface ServeOptions {
  readonly port: number;
  /** Default 127.0.0.1: the service listens on loopback unless told otherwise. */
  readonly host?: string;
  readonly auth?: Partial<AuthSettings>;
  readonly logger?: boolean | object;
  /**
   * The host's pino logger (instead of `logger`): what the API logs at warn and above (a 500's cause, a refused
   * Alertmanager call, a `/stream` cut for falling behind, a stored snapshot that cannot be read) goes through it,
   * tagged `component: 'api'` (requests themselves are logged at info, so not at all). With neither, the API logs nothing.
   */
  readonly loggerInstance?: FastifyBaseLogger;
  /** The Alertmanager webhook receiver, when wanted. */
  readonly alertmanager?: AlertmanagerReceiverOptions;
  /** Require a viewer token for `/metrics`. Default false. */
  readonly protectMetrics?: boolean;
  /** On close, how long streams and API invocations get before they are cut (ms). Default 10 000. */
  readonly stopGraceMs?: number;
  /** This instance's part in a highly available deployment (`/health`, lease metrics). */
  readonly ha?: HaView;
  /**
   * How long a client may take to send a whole request, headers and body (ms): past it the request is
   * answered 408 and its connection closed, so that a body that never arrives holds no connection for ever.
   * A response is not timed (a `/stream` stays open). Default 60 000; from 1 to 600 000.
   */
  readonly requestTimeoutMs?: number;
  /**
   * The most connections open at once on each address listened on (idle keep-alive and `/stream` connections
   * count): one over it is closed as soon as it is accepted, so that a client opening sockets by the thousand
   * cannot use up file descriptors or memory. Default 1024; from 1 to 1 000 000.
   */
  readonly maxConnections?: number;
  /** Told when the connection limit refuses connections: at once for the first, then at most every 10 s. */
  readonly onConnectionLimit?: ConnectionLimitReport;
}

/** The standalone HTTP service, listening: what `serve` returns. */
export interface Served {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  /** The first address listened on. */
  readonly url: string;
  /** Every address listened on (every interface for 0.0.0.0). */
  readonly urls: string[];
  /**
   * Closes the service: streams end, waiting requests answer, and API invocations still running get at most
   * `graceMs` (default `stopGraceMs`) before they are aborted. A host whose stop began earlier passes what is
   * left of its deadline, so the close never spends a grace of its own on top of it. A grace above
   * `stopGraceMs` is capped at it: the close never takes longer than the service's own grace.
   * @throws ValidationError naming the value unless it is a finite number from 0 to 2^31-1 ms; nothing is
   *   stopped then
   */
  close(graceMs?: number): Promise<void>;
  /**
   * Refuses new effector invocations from now on (503 with Retry-After; `/ready` says the service is
   * stopping), while reads and streams go on until `close`: the host's stop calls it first, before steps
   * that come ahead of the close (stopping the loops, whose effectors may take the grace).
   */
  refuseInvocations(): void;
}

/**
 * The standalone HTTP service of `homeostat run --port`: the API at `/`, OpenAPI at `/docs`, and Prometheus
 * metrics at `/metrics` (text format; embed the plugin with an OpenMetrics registry for trace-id exemplars).
 * `url` is the first address listened on; `urls` are all of them (every interface for 0.0.0.0).
 * A CONNECT request is answered 405 and its connection closed (see `refuseConnect`).
 * @throws ValidationError naming `requestTimeoutMs` when it is not a whole number of ms from 1 to 600 000, or
 *   `maxConnections` when it is not a whole number from 1 to 1 000 000
 */
export async function serve(deployment: Deployment, options: ServeOptions): Promise<Served> {
  // refused before anything is made: a request a client never finishes is cut after it (fastify's default is none)
  const timeout = requestTimeoutOptions(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, 'serve() requestTimeoutMs');
  const maxConnections = checkMaxConnections(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS, 'serve() maxConnections');
  // idle keep-alive sockets are closed on close; the plugin ends streams and waiting requests first
  const logging = options.loggerInstance ? { loggerInstance: options.loggerInstance.child({ component: 'api' }, { level: 'warn' }) } : { logger: options.logger ?? false };
  const app = Fastify({ ...logging, forceCloseConnections: 'idle', return503OnClosing: true, ...timeout });
  // a method a path does not have is a 405 whatever the method (PROPFIND, LOCK...), not fastify's 404
  routeEveryMethod(app);
  // only homeostat's own metrics: prom-client's default process metrics include a gauge named *_total,
  // which Prometheus' own checks reject; a host that wants them adds them to its registry
  const registry = new Registry();
  const stopCoordinator = new StopCoordinator(options.stopGraceMs ?? DEFAULT_SERVICE_STOP_GRACE_MS);
  await app.register(homeostatPlugin, {
    deployment,
    registry,
    serveMetrics: true,
    docs: true,
    ...(options.protectMetrics === undefined ? {} : { protectMetrics: options.protectMetrics }),
    ...(options.stopGraceMs === undefined ? {} : { stopGraceMs: options.stopGraceMs }),
    stopCoordinator,
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.alertmanager ? { alertmanager: options.alertmanager } : {}),
    ...(options.ha ? { ha: options.ha } : {}),
  });
  const url = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  const servers = listeningServers(app);
  refuseConnect(servers);
  const stopLimitReports = limitConnections(servers, maxConnections, registry, options.onConnectionLimit);
  const urls = app.addresses().map((a) => (typeof a === 'string' ? a : `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`));
  const close = async (graceMs?: number): Promise<void> => {
    // refused as close()'s own argument, before anything stops; the coordinator caps it at its grace
    if (graceMs !== undefined) checkGrace(graceMs, 'serve().close graceMs');
    // started here with the grace asked for; the plugin's own preClose then waits on this same stop
    void stopCoordinator.stop(graceMs);
    await app.close();
    stopLimitReports();
  };
  return { app, registry, url, urls, close, refuseInvocations: () => stopCoordinator.refuseInvocations() };
}
