// A start of `homeostat run` that fails ends the process at once with exit code 1, says where and what on
// stderr and as an ERROR line in the JSON log, and closes what it opened. Before, bad knowledge in Redis
// printed one line naming no key and the process then hung for ever on its open Redis client; a policy module
// left a timer that held the process after the HTTP port was found taken; a module that failed to load left
// the log empty. Real processes and a real redis-server of the test's own (free ports; never 6379).
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/run-command.js';
import { freePort } from '../support/free-port.js';
import { TestRedisServer } from '../support/redis-server.js';
import { repoRoot } from './built-command.js';
import { startCommand } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const idle = path.join(repoRoot, 'test/cli/fixtures/idle.yaml');
let redis: TestRedisServer;
let admin: Redis;

beforeAll(async () => {
  redis = await TestRedisServer.start();
  admin = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
  await admin.connect();
}, 20_000);

afterAll(async () => {
  admin.disconnect();
  await redis.dispose();
});

/** The ERROR lines of a JSON log. */
function errorLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level === 50).map((line) => line.msg);
}

/** The set of policies with state, where Redis keeps a string instead: loading knowledge fails with WRONGTYPE. */
async function wrongTypeIn(namespace: string): Promise<string> {
  const key = `homeostat:{${namespace}}:state-policies`;
  await admin.set(key, 'not a set');
  return key;
}

describe('homeostat run, a start that fails', () => {
  it('exits with 1 at once on knowledge it cannot read, naming the Redis URL and the key, on stderr and in the log', async () => {
    const key = await wrongTypeIn('wrongtype-child');
    const command = startCommand(bin, ['run', idle, '--redis', redis.url, '--redis-namespace', 'wrongtype-child', '--log-format', 'json'], { cwd: repoRoot });
    expect(await command.ended(60_000)).toEqual({ code: 1, signal: null });
    const why = `${idle}: cannot start: the knowledge kept in Redis at ${redis.url} cannot be read (SMEMBERS ${key}): WRONGTYPE Operation against a key holding the wrong kind of value`;
    expect(command.stderr().trim()).toBe(why);
    expect(errorLines(command.stdout())).toEqual([why]);
  }, 90_000);

  it('closes its Redis client when knowledge cannot be read (embedded: nothing is left connected)', async () => {
    await wrongTypeIn('wrongtype-embedded');
    const clients = async (): Promise<number> => Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))?.[1]);
    const before = await clients();
    const errors: string[] = [];
    const code = await runCommand(idle, { knowledge: { redisUrl: redis.url, namespace: 'wrongtype-embedded' }, logger: pino({ level: 'silent' }), until: new Promise(() => undefined) }, { out: () => undefined, err: (line) => errors.push(line) });
    expect(code).toBe(1);
    expect(errors).toEqual([expect.stringContaining('cannot be read (SMEMBERS homeostat:{wrongtype-embedded}:state-policies)')]);
    // the client sent QUIT before runCommand returned; Redis counts it out once it has read the QUIT
    const deadline = performance.now() + 10_000;
    while ((await clients()) > before && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await clients()).toBe(before);
  }, 30_000);

  it('exits with 1 when its port is taken, though a policy module left a timer running, and logs why', async () => {
    const taken: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const lingering = path.join(repoRoot, 'test/cli/fixtures/lingering-module.yaml');
      const command = startCommand(bin, ['run', lingering, '--port', String(port), '--redis', redis.url, '--redis-namespace', 'port-taken', '--log-format', 'json'], { cwd: repoRoot });
      expect(await command.ended(60_000)).toEqual({ code: 1, signal: null });
      expect(command.stderr().trim()).toMatch(new RegExp(`^cannot start the HTTP service on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`));
      expect(errorLines(command.stdout())).toEqual([command.stderr().trim()]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 90_000);

  it('writes why a policy module did not load to the log too, not only to stderr', async () => {
    const throwing = path.join(repoRoot, 'test/cli/fixtures/invalid/throwing-module.yaml');
    const command = startCommand(bin, ['run', throwing, '--log-format', 'json'], { cwd: repoRoot });
    expect(await command.ended(60_000)).toEqual({ code: 1, signal: null });
    const stderr = command.stderr().trim().split('\n');
    expect(stderr.length).toBeGreaterThan(0);
    expect(errorLines(command.stdout())).toEqual(stderr);
  }, 90_000);
});
