import { describeError } from '../core/errors.js';
import { RedisStore } from '../knowledge/redis/redis-store.js';
import type { KnowledgeStore } from '../knowledge/store.js';

/** The command and key of a Redis reply error (ioredis puts them on the error), as `SMEMBERS <key>`. */
function commandOf(error: unknown): string | undefined {
  const command = typeof error === 'object' && error !== null ? (error as { command?: { name?: unknown; args?: unknown } }).command : undefined;
  if (typeof command?.name !== 'string') return undefined;
  const key = Array.isArray(command.args) && typeof command.args[0] === 'string' ? ` ${command.args[0]}` : '';
  return `${command.name.toUpperCase()}${key}`;
}

/** The Redis reply error behind `error` (itself, or one of its causes): the one that names its command. */
function replyErrorIn(error: unknown): unknown {
  for (let current = error, depth = 0; current !== undefined && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (commandOf(current) !== undefined) return current;
    if (typeof current !== 'object' || current === null) break;
  }
  return undefined;
}

/**
 * Why the knowledge kept in `store` could not be read at start (`Deployment.create`, which loads policy state):
 * for Redis, the URL (password masked) and the key: the one Redis named in its reply (WRONGTYPE on
 * `SMEMBERS <key>`), else the keys the policy state is read from (a timeout, a value that is not JSON).
 * Another failure (the memory store's, or not knowledge's) is described as it is.
 */
export function describeKnowledgeLoadFailure(error: unknown, store: KnowledgeStore | undefined): string {
  if (!(store instanceof RedisStore)) return describeError(error);
  // a reader may have wrapped Redis' reply (naming the key in words): the reply itself says it shortest
  const reply = replyErrorIn(error);
  if (reply !== undefined) return `the knowledge kept in Redis at ${store.target} cannot be read (${commandOf(reply) as string}): ${describeError(reply)}`;
  return `the knowledge kept in Redis at ${store.target} cannot be read (reading policy state from ${store.keys.policies} and ${store.keys.policyState('')}*): ${describeError(error)}`;
}
