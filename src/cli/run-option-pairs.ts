import type { RunOptions } from './run-command.js';

/**
 * The first option of `homeostat run` given without the option it modifies, as a sentence; undefined when
 * each has its partner. Such an option did nothing, without a word: `--host 0.0.0.0` with no `--port` served
 * nothing, `--lease 500` with no `--ha` had no lease to time, `--redis-namespace` with no Redis had no keys.
 * @param env where HOMEOSTAT_REDIS_URL (the other way to give Redis) is read
 */
export function unpairedRunOption(options: RunOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const knowledge = options.knowledge ?? {};
  if (options.port === undefined) {
    const serviceOnly: [boolean, string][] = [
      [options.host !== undefined, '--host'],
      [options.requestTimeoutMs !== undefined, '--request-timeout'],
      [options.maxConnections !== undefined, '--max-connections'],
      [options.protectMetrics === true, '--protect-metrics'],
      [options.allowUnauthenticated === true, '--allow-unauthenticated'],
    ];
    const given = serviceOnly.find(([present]) => present);
    if (given) return `${given[1]} needs --port: it sets up the HTTP service, and without --port there is none`;
  }
  if (!knowledge.ha) {
    if (knowledge.leaseMs !== undefined) return '--lease needs --ha: it is the time of the lease the instances compete for';
    if (knowledge.minReplicaAcks !== undefined) return '--min-replica-acks needs --ha: it is how many replicas acknowledge each take and renewal of the lease';
  }
  if (knowledge.namespace !== undefined && !knowledge.redisUrl && !env['HOMEOSTAT_REDIS_URL']) {
    return '--redis-namespace needs --redis (or HOMEOSTAT_REDIS_URL): it names the keys of this deployment in Redis, and knowledge is kept in memory without it';
  }
  return undefined;
}
