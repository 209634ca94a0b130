import { once } from 'node:events';
import { pino, type Logger } from 'pino';
import { Deployment } from '../blueprint/deployment.js';
import { describeError } from '../core/errors.js';
import { logDecision } from './decision-log.js';
import { logFeedChanges } from './feed-log.js';
import { loadOrReport, type Io } from './validate-command.js';
import { serve } from '../server/serve.js';
import { processEvents$ } from '../drivers/process/supervisor.js';
import { authSchema, type AuthSettings } from '../server/auth.js';
import { openKnowledgeStore, type KnowledgeChoice } from './knowledge-option.js';
import { RedisStore } from '../knowledge/redis/redis-store.js';
import type { HaCoordinator } from '../cluster/ha-coordinator.js';
import { instanceName, joinHa, joinShards } from './ha-option.js';
import type { ShardCoordinator } from '../cluster/shard-coordinator.js';
import { startOtelSdk } from '../telemetry/otel-sdk.js';
import type { AlertmanagerReceiverOptions } from '../server/routes-alertmanager.js';

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

/**
 * The Alertmanager webhook receiver from the environment: HOMEOSTAT_ALERTMANAGER_TOKEN (or _TOKEN_FILE)
 * enables it, HOMEOSTAT_ALERTMANAGER_LABEL names the alert label holding the entity id (default `entity`).
 */
export function alertmanagerFromEnvironment(env: NodeJS.ProcessEnv = process.env): { alertmanager?: AlertmanagerReceiverOptions } {
  const token = env['HOMEOSTAT_ALERTMANAGER_TOKEN'];
  const tokenFile = env['HOMEOSTAT_ALERTMANAGER_TOKEN_FILE'];
  if (!token && !tokenFile) return {};
  const entityLabel = env['HOMEOSTAT_ALERTMANAGER_LABEL'];
  return { alertmanager: { ...(token ? { token } : { tokenFile: tokenFile as string }), ...(entityLabel ? { entityLabel } : {}) } };
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
  /** Knowledge in Redis instead of memory. */
  readonly knowledge?: KnowledgeChoice;
}

/** `homeostat run <blueprint>`: runs the loops until SIGINT/SIGTERM, logging each decision as one line. */
export async function runCommand(file: string, options: RunOptions, io: Io): Promise<number> {
  const blueprint = await loadOrReport(file, io);
  if (!blueprint) return 1;
  const logger = options.logger ?? pino({ base: { service: 'homeostat' } });
  const telemetry = await startOtelSdk(logger);
  let store;
  try {
    store = await openKnowledgeStore(options.knowledge ?? {}, blueprint.name);
  } catch (error) {
    io.err(`${file}: ${describeError(error)}`);
    return 1;
  }
  const choice = options.knowledge ?? {};
  if (choice.ha && !(store instanceof RedisStore)) {
    io.err(`${file}: --ha needs --redis (the instances share their lease and knowledge through Redis)`);
    return 1;
  }
  if (choice.shards && !choice.ha) {
    io.err(`${file}: --shards needs --ha (shards are leases shared out among the instances)`);
    return 1;
  }
  const owner = instanceName();
  let coordinator: HaCoordinator | ShardCoordinator | undefined;
  const fence = (entity: string) => coordinator?.actingToken(entity);
  const deployment = await Deployment.create(blueprint, { dryRun: options.dryRun ?? false, ...(store ? { store } : {}), ...(choice.ha ? { fence } : {}) });
  if (choice.ha && store instanceof RedisStore) {
    coordinator = choice.shards ? joinShards(deployment, blueprint, store, owner, logger, choice.leaseMs, choice.minReplicaAcks) : joinHa(deployment, store, owner, logger, choice.leaseMs, choice.minReplicaAcks);
    coordinator.start();
  }
  const subscriptions = [
    deployment.engine.decisions$.subscribe((d) => logDecision(logger, d)),
    deployment.engine.faults$.subscribe((f) => logger.error({ fault: f }, `policy ${f.policy} failed in ${f.phase}: ${f.message}; restarting in ${f.restartInMs} ms`)),
    deployment.tree.rejections$.subscribe((r) => logger.warn({ rejected: r }, `rejected reading of ${r.entity}.${r.sensor}: ${r.problem}`)),
    deployment.knowledge.errors$.subscribe((e) => logger.error({ err: e }, `knowledge store: ${e.message}`)),
    logFeedChanges(logger, deployment.feeds),
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
      server = await serve(deployment, { port: options.port, host: options.host ?? '127.0.0.1', auth: authFromEnvironment(), ...alertmanagerFromEnvironment(), ...(coordinator ? { ha: coordinator } : {}) });
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
  await coordinator?.stop();
  await server?.app.close();
  await deployment.stop();
  await telemetry?.shutdown().catch(() => undefined);
  const decisions = await deployment.knowledge.queryDecisions({ limit: 1_000_000 }).catch(() => []);
  logger.info({ decisions: decisions.length }, `stopped cleanly after ${decisions.length} decisions`);
  logger.flush?.();
  return 0;
}
