import type { Logger } from 'pino';

/** Logs where the service listens, and warns loudly when every caller is an admin. */
export function logServing(logger: Logger, urls: readonly string[], host: string, authenticated: boolean): void {
  const every = host === '0.0.0.0' || host === '::';
  const where = every ? `every interface (${urls.join(', ')})` : urls.join(', ');
  const first = urls[0] ?? '';
  logger.info({ urls, host }, `HTTP API on ${where} (OpenAPI at ${first}/docs, metrics at ${first}/metrics, console at ${first}/ui; /health, /ready, /docs need no token)`);
  if (!authenticated) {
    logger.warn({ host }, `NO ACCESS CONTROL: no tokens configured, so every caller of ${where} is an admin of the whole tree; set HOMEOSTAT_TOKENS or a JWT key`);
  }
}
