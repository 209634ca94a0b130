import { once } from 'node:events';
import { pino, type Logger } from 'pino';
import { Deployment } from '../blueprint/deployment.js';
import { describeError } from '../core/errors.js';
import { logDecision } from './decision-log.js';
import { loadOrReport, type Io } from './validate-command.js';
import { serve } from '../server/serve.js';
import { processEvents$ } from '../drivers/process/supervisor.js';
import { authSchema, type AuthSettings } from '../server/auth.js';

/**
 * Access control from the environment, so tokens never appear on a command line: HOMEOSTAT_TOKENS is a JSON
 * list of { token, name, role, scope? }; HOMEOSTAT_JWT_SECRET enables HS256 JWTs.
 * @throws Error naming the variable when it is malformed
 */
export function authFromEnvironment(env: NodeJS.ProcessEnv = process.env): AuthSettings {
  let tokens: unknown = [];
  if (env['HOMEOSTAT_TOKENS']) {
    try {
      tokens = JSON.parse(env['HOMEOSTAT_TOKENS']);
    } catch {
      throw new Error('HOMEOSTAT_TOKENS must be a JSON list of { token, name, role, scope? }');
    }
  }
  const parsed = authSchema.safeParse({ tokens, ...(env['HOMEOSTAT_JWT_SECRET'] ? { jwtSecret: env['HOMEOSTAT_JWT_SECRET'] } : {}) });
  if (!parsed.success) throw new Error(`access control settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Options of `homeostat run`. */
export interface RunOptions {
  readonly port?: number;
  /** Address to listen on. Default 127.0.0.1 (loopback). */
  readonly host?: string;
  readonly dryRun?: boolean;
  /** Resolves when the run should stop; default SIGINT or SIGTERM. */
  readonly until?: Promise<unknown>;
  readonly logger?: Logger;
}

/** `homeostat run <blueprint>`: runs the loops until SIGINT/SIGTERM, logging each decision as one line. */
export async function runCommand(file: string, options: RunOptions, io: Io): Promise<number> {
  const blueprint = await loadOrReport(file, io);
  if (!blueprint) return 1;
  const logger = options.logger ?? pino({ base: { service: 'homeostat' } });
  const telemetry = await startTelemetry(logger);
  const deployment = await Deployment.create(blueprint, { dryRun: options.dryRun ?? false });
  const subscriptions = [
    deployment.engine.decisions$.subscribe((d) => logDecision(logger, d)),
    deployment.engine.faults$.subscribe((f) => logger.error({ fault: f }, `policy ${f.policy} failed in ${f.phase}: ${f.message}; restarting in ${f.restartInMs} ms`)),
    deployment.tree.rejections$.subscribe((r) => logger.warn({ rejected: r }, `rejected reading of ${r.entity}.${r.sensor}: ${r.problem}`)),
    deployment.knowledge.errors$.subscribe((e) => logger.error({ err: e }, `knowledge store: ${e.message}`)),
    processEvents$.subscribe((e) => logger[e.kind === 'exited' || e.kind === 'cleaned' ? 'warn' : 'info']({ process: e }, e.message)),
  ];
  try {
    deployment.start();
  } catch (error) {
    io.err(`${file}: cannot start: ${describeError(error)}`);
    await deployment.stop().catch(() => undefined);
    return 1;
  }
  const policies = deployment.engine.policies();
  logger.info(
    { blueprint: blueprint.name, entities: deployment.tree.size, policies: policies.map((p) => p.id), dryRun: deployment.engine.dryRun },
    `running '${blueprint.name}': ${deployment.tree.size} entities, ${policies.length} policies${deployment.engine.dryRun ? ' (dry run)' : ''}; Ctrl-C stops`,
  );
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  if (options.port !== undefined) {
    try {
      server = await serve(deployment, { port: options.port, host: options.host ?? '127.0.0.1', auth: authFromEnvironment() });
      logger.info({ url: server.url }, `HTTP API on ${server.url} (OpenAPI at ${server.url}/docs, metrics at ${server.url}/metrics)`);
    } catch (error) {
      io.err(`cannot start the HTTP service on port ${options.port}: ${describeError(error)}`);
      await deployment.stop().catch(() => undefined);
      return 1;
    }
  }
  const stopSignal = options.until ?? Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  const signal = await stopSignal;
  logger.info({ signal: Array.isArray(signal) ? signal[0] : signal }, 'stopping');
  for (const subscription of subscriptions) subscription.unsubscribe();
  await server?.app.close();
  await deployment.stop();
  await telemetry?.shutdown().catch(() => undefined);
  const decisions = await deployment.knowledge.queryDecisions({ limit: 1_000_000 }).catch(() => []);
  logger.info({ decisions: decisions.length }, `stopped cleanly after ${decisions.length} decisions`);
  logger.flush?.();
  return 0;
}

/**
 * Starts the OpenTelemetry SDK when the standard environment asks for it (OTEL_TRACES_EXPORTER or an OTLP
 * endpoint); the library itself only ever uses @opentelemetry/api, which costs next to nothing without it.
 */
async function startTelemetry(logger: Logger): Promise<{ shutdown(): Promise<void> } | undefined> {
  const env = process.env;
  const wanted = (env['OTEL_TRACES_EXPORTER'] && env['OTEL_TRACES_EXPORTER'] !== 'none') || env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  if (!wanted || env['OTEL_SDK_DISABLED'] === 'true') return undefined;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({ serviceName: env['OTEL_SERVICE_NAME'] ?? 'homeostat' });
  sdk.start();
  logger.info({ exporter: env['OTEL_TRACES_EXPORTER'] ?? 'otlp' }, 'OpenTelemetry tracing started from the OTEL_* environment');
  return sdk;
}
