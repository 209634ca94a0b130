// An option of `homeostat run` that only modifies another is refused without it, as `--shards` without `--ha`
// already was. Before, each was ignored without a word: `--host 0.0.0.0` with no `--port` served nothing,
// `--lease 500` with no `--ha` had no lease to time, `--redis-namespace` with no Redis kept knowledge in memory.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpairedRunOption } from '../../src/cli/run-option-pairs.js';
import { repoRoot } from './built-command.js';
import { startCommand } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const idle = path.join(repoRoot, 'test/cli/fixtures/idle.yaml');

describe('unpairedRunOption', () => {
  it('names the first option given without the one it modifies', () => {
    expect(unpairedRunOption({ host: '0.0.0.0' }, {})).toMatch(/^--host needs --port/);
    expect(unpairedRunOption({ maxConnections: 5 }, {})).toMatch(/^--max-connections needs --port/);
    expect(unpairedRunOption({ requestTimeoutMs: 5 }, {})).toMatch(/^--request-timeout needs --port/);
    expect(unpairedRunOption({ protectMetrics: true }, {})).toMatch(/^--protect-metrics needs --port/);
    expect(unpairedRunOption({ allowUnauthenticated: true }, {})).toMatch(/^--allow-unauthenticated needs --port/);
    expect(unpairedRunOption({ knowledge: { leaseMs: 500 } }, {})).toMatch(/^--lease needs --ha/);
    expect(unpairedRunOption({ knowledge: { minReplicaAcks: 1 } }, {})).toMatch(/^--min-replica-acks needs --ha/);
    expect(unpairedRunOption({ knowledge: { namespace: 'shop' } }, {})).toMatch(/^--redis-namespace needs --redis \(or HOMEOSTAT_REDIS_URL\)/);
  });

  it('takes each with its partner (Redis from the flag or the environment)', () => {
    expect(unpairedRunOption({ port: 0, host: '::1', maxConnections: 5, requestTimeoutMs: 5, protectMetrics: true, allowUnauthenticated: true }, {})).toBeUndefined();
    expect(unpairedRunOption({ knowledge: { ha: true, leaseMs: 500, minReplicaAcks: 1, redisUrl: 'redis://h:1', namespace: 'shop' } }, {})).toBeUndefined();
    expect(unpairedRunOption({ knowledge: { namespace: 'shop' } }, { HOMEOSTAT_REDIS_URL: 'redis://h:1' })).toBeUndefined();
    expect(unpairedRunOption({ dryRun: true }, {})).toBeUndefined();
  });
});

describe('homeostat run with an option that modifies one not given', () => {
  it.concurrent.each([
    [['--host', '0.0.0.0'], '--host needs --port: it sets up the HTTP service, and without --port there is none'],
    [['--lease', '500'], '--lease needs --ha: it is the time of the lease the instances compete for'],
    [['--redis-namespace', 'shop'], '--redis-namespace needs --redis (or HOMEOSTAT_REDIS_URL): it names the keys of this deployment in Redis, and knowledge is kept in memory without it'],
  ])('%j: exits 1 at once, saying which option it needs', async (args, message) => {
    const command = startCommand(bin, ['run', idle, ...args, '--log-format', 'json'], { cwd: repoRoot, env: { HOMEOSTAT_REDIS_URL: '' } });
    expect(await command.ended(60_000)).toEqual({ code: 1, signal: null });
    expect(command.stderr().trim()).toBe(message);
    expect(command.stdout()).toContain(`"msg":"${message}"`);
  }, 70_000);
});
