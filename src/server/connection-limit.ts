import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ValidationError } from '../core/errors.js';

/** Default of `serve`'s `maxConnections`: far above what a deployment's clients (people, Prometheus, a few tools) open. */
export const DEFAULT_MAX_CONNECTIONS = 1024;

/** The largest `maxConnections` taken. */
export const MAX_MAX_CONNECTIONS = 1_000_000;

/** Refused connections are told at once for the first, then at most once per this many ms (a flood is one line). */
export const REFUSAL_REPORT_MS = 10_000;

/** What is told when connections were refused for the limit: a sentence, and its figures. */
export type ConnectionLimitReport = (message: string, fields: { readonly refused: number; readonly limit: number }) => void;

/**
 * Every server a fastify app listens with: its own, and those it added for the other addresses of `localhost`
 * (fastify keeps them under a symbol of its own; without it only the first server is found).
 */
export function listeningServers(app: FastifyInstance): Server[] {
  const bindings = Object.getOwnPropertySymbols(app).find((symbol) => symbol.description === 'fastify.serverBindings');
  const others = bindings === undefined ? [] : ((app as unknown as Record<symbol, unknown>)[bindings] as Server[] | undefined) ?? [];
  return [app.server, ...others.filter((server) => server !== app.server)];
}

/**
 * Checks a `maxConnections` option.
 * @throws ValidationError naming `where` unless `limit` is a whole number from 1 to {@link MAX_MAX_CONNECTIONS}
 */
export function checkMaxConnections(limit: number, where = 'maxConnections'): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MAX_CONNECTIONS) throw new ValidationError(where, [`must be a whole number from 1 to ${MAX_MAX_CONNECTIONS}, got ${String(limit)}`]);
  return limit;
}

/**
 * Bounds the connections open at once on each server (each address listened on) to `limit`: Node closes a
 * connection over it as soon as it is accepted, before anything is read from it, so that a client opening
 * sockets by the thousand cannot use up the process' file descriptors or memory. The first refusal is told at
 * once, later ones at most every {@link REFUSAL_REPORT_MS} ms with how many there were, and on the registry
 * `homeostat_http_connections` (open now), `homeostat_http_connections_limit` and
 * `homeostat_http_connections_refused_total` count them.
 * @returns stops the pending report (its count is told then); call it when the service closes
 */
export function limitConnections(servers: readonly Server[], limit: number, registry: Registry, report: ConnectionLimitReport = () => undefined): () => void {
  let open = 0;
  let pending = 0;
  let lastReport = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  new Gauge({ name: 'homeostat_http_connections', help: 'HTTP connections open now (every address listened on).', registers: [registry], collect() {
    this.set(open);
  } });
  new Gauge({ name: 'homeostat_http_connections_limit', help: 'The most HTTP connections open at once on each address listened on; more are closed as they come.', registers: [registry] }).set(limit);
  const refusedTotal = new Counter({ name: 'homeostat_http_connections_refused_total', help: 'HTTP connections closed as they came because the connection limit was reached.', registers: [registry] });
  const flush = (): void => {
    timer = undefined;
    if (pending === 0) return;
    report(`HTTP connection limit (${limit}) still reached: ${pending} more ${pending === 1 ? 'connection was' : 'connections were'} refused in the last ${REFUSAL_REPORT_MS / 1000} s`, { refused: pending, limit });
    pending = 0;
    lastReport = performance.now();
  };
  const onDrop = (): void => {
    refusedTotal.inc();
    if (performance.now() - lastReport >= REFUSAL_REPORT_MS && timer === undefined) {
      lastReport = performance.now();
      report(`HTTP connection limit reached: ${limit} connections are open, the most allowed (maxConnections, --max-connections); new ones are closed as they come until some close`, { refused: 1, limit });
      return;
    }
    pending += 1;
    // told once the window ends; the timer keeps no process alive
    timer ??= setTimeout(flush, Math.max(0, REFUSAL_REPORT_MS - (performance.now() - lastReport))).unref();
  };
  const onConnection = (socket: Socket): void => {
    open += 1;
    socket.once('close', () => (open -= 1));
  };
  for (const server of servers) {
    server.maxConnections = limit;
    server.on('drop', onDrop);
    server.on('connection', onConnection);
  }
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    flush();
  };
}
