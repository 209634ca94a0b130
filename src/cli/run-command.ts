import { once } from 'node:events';
import { pino, type Logger } from 'pino';
import { Deployment } from '../blueprint/deployment.js';
import { describeError } from '../core/errors.js';
import { logDecision } from './decision-log.js';
import { loadOrReport, type Io } from './validate-command.js';

/** Options of `homeostat run`. */
export interface RunOptions {
  readonly port?: number;
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
  const deployment = await Deployment.create(blueprint, { dryRun: options.dryRun ?? false });
  const subscriptions = [
    deployment.engine.decisions$.subscribe((d) => logDecision(logger, d)),
    deployment.engine.faults$.subscribe((f) => logger.error({ fault: f }, `policy ${f.policy} failed in ${f.phase}: ${f.message}; restarting in ${f.restartInMs} ms`)),
    deployment.tree.rejections$.subscribe((r) => logger.warn({ rejected: r }, `rejected reading of ${r.entity}.${r.sensor}: ${r.problem}`)),
    deployment.knowledge.errors$.subscribe((e) => logger.error({ err: e }, `knowledge store: ${e.message}`)),
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
  if (options.port !== undefined) logger.warn({ port: options.port }, 'the HTTP service is not part of this build yet; --port is ignored');
  const stopSignal = options.until ?? Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  const signal = await stopSignal;
  logger.info({ signal: Array.isArray(signal) ? signal[0] : signal }, 'stopping');
  for (const subscription of subscriptions) subscription.unsubscribe();
  await deployment.stop();
  const decisions = await deployment.knowledge.queryDecisions({ limit: 1_000_000 }).catch(() => []);
  logger.info({ decisions: decisions.length }, `stopped cleanly after ${decisions.length} decisions`);
  logger.flush?.();
  return 0;
}
