import type { Cluster, Redis } from 'ioredis';
import { isCluster } from './redis-connection.js';

/** The scripts defined on a client (`defineCommand`), as ioredis keeps them. */
type DefinedScripts = Record<string, { readonly lua: string }>;

/**
 * Loads every script defined on the client (`defineCommand`) into the script cache of Redis (SCRIPT LOAD; on
 * a cluster, of every primary), so that EVALSHA finds them again. ioredis sends a script's body (EVAL) only the
 * first time on each connection, and EVALSHA after that; outside a transaction it sends the body again on
 * NOSCRIPT, but inside MULTI it never does: once Redis has lost its scripts (SCRIPT FLUSH, or a script first
 * sent while Redis refused it, e.g. on OOM, so it was never loaded), every transaction calling one fails with
 * NOSCRIPT on the same connection for ever. Loading is idempotent (a script's id is its SHA-1).
 * @throws the reply error of SCRIPT LOAD (a timeout, OOM...): the caller's write fails with it and is retried
 */
export async function loadDefinedScripts(redis: Redis): Promise<void> {
  const scripts = Object.values((redis as unknown as { scriptsSet: DefinedScripts }).scriptsSet);
  const nodes: Redis[] = isCluster(redis) ? (redis as unknown as Cluster).nodes('master') : [redis];
  await Promise.all(nodes.flatMap((node) => scripts.map((script) => node.script('LOAD', script.lua))));
}
