// Credentials Redis refuses (a wrong password, an unknown user, none where one is required, a user without the
// permission to PING): connect() fails at once, well within its connect timeout, with the URL (password masked)
// and Redis' reply, and nothing left connecting; never retried, since the same credentials are refused again.
// Real redis-server and redis-sentinel processes of the test's own on free ports, with ACL users set by redis-cli.
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import { msUntilNoSocketTo } from '../support/open-sockets.js';
import { deadlineIn, killProcess, redisCli, startRedisProcess, type RedisProcess } from '../support/redis-process.js';
import { TestRedisServer } from '../support/redis-server.js';

/** Far longer than a refusal takes: a connect() that retried until it would take this long. */
const CONNECT_TIMEOUT_MS = 5_000;
/** A refusal is one round trip on localhost; the rest is slack for a loaded 2-core machine. */
const REFUSED_WITHIN_MS = 1_000;

const PASSWORD = 'right-horse-battery';
const WRONG = 'wrong-staple-9f3c';

let server: TestRedisServer;
let sentinel: RedisProcess;
let clusterNode: RedisProcess;
let dir: string;

beforeAll(async () => {
  server = await TestRedisServer.start();
  const deadline = deadlineIn(20_000);
  dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-redis-auth-'));
  sentinel = await startRedisProcess({
    what: 'Sentinel',
    command: (port) => {
      const config = path.join(dir, `sentinel-${port}.conf`);
      writeFileSync(config, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor homeostat-test 127.0.0.1 ${server.port} 1`, ''].join('\n'));
      return ['redis-server', [config, '--sentinel']];
    },
    deadline,
  });
  clusterNode = await startRedisProcess({
    what: 'Redis Cluster node',
    command: (port) => ['redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning']],
    deadline,
  });
  // users first, then the default user's password (redis-cli here passes none)
  for (const port of [server.port, clusterNode.port]) {
    expect(await redisCli(port, 'ACL', 'SETUSER', 'app', 'on', `>${PASSWORD}`, '~*', '+@all')).toContain('OK');
    expect(await redisCli(port, 'ACL', 'SETUSER', 'locked', 'on', `>${PASSWORD}`, '-@all')).toContain('OK');
  }
  for (const port of [server.port, sentinel.port, clusterNode.port]) expect(await redisCli(port, 'ACL', 'SETUSER', 'default', 'resetpass', `>${PASSWORD}`)).toContain('OK');
}, 30_000);

afterAll(async () => {
  await Promise.all([server?.dispose(), sentinel && killProcess(sentinel.child), clusterNode && killProcess(clusterNode.child)]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Everything ioredis or the store writes to the console meanwhile. */
function consoleOutput(): { text: () => string; restore: () => void } {
  const lines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))));
  return { text: () => lines.join('\n'), restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

/** Connects a store, and measures how long connect() took to settle and what it said. */
async function refusedConnect(url: string): Promise<{ error: Error | undefined; tookMs: number; store: RedisStore; printed: string }> {
  const store = new RedisStore({ url, connectTimeoutMs: CONNECT_TIMEOUT_MS });
  const printed = consoleOutput();
  const started = performance.now();
  let error: Error | undefined;
  try {
    await store.connect();
  } catch (caught) {
    error = caught as Error;
  } finally {
    printed.restore();
  }
  return { error, tookMs: performance.now() - started, store, printed: printed.text() };
}

describe('connect() with credentials one Redis refuses', () => {
  it.each([
    ['a wrong password', () => `redis://app:${WRONG}@127.0.0.1:${server.port}`, () => `redis://app:***@127.0.0.1:${server.port}`, /WRONGPASS/],
    ['an unknown user', () => `redis://nosuchuser:${WRONG}@127.0.0.1:${server.port}`, () => `redis://nosuchuser:***@127.0.0.1:${server.port}`, /WRONGPASS/],
    ['a wrong password of the default user', () => `redis://:${WRONG}@127.0.0.1:${server.port}`, () => `redis://:***@127.0.0.1:${server.port}`, /WRONGPASS/],
    ['no password where one is required', () => `redis://127.0.0.1:${server.port}`, () => `redis://127.0.0.1:${server.port}`, /NOAUTH/],
    ['a user not allowed to PING', () => `redis://locked:${PASSWORD}@127.0.0.1:${server.port}`, () => `redis://locked:***@127.0.0.1:${server.port}`, /NOPERM/],
  ])('fails at once on %s, naming the URL with the password masked, with nothing left connecting', async (_case, urlOf, maskedOf, reply) => {
    const { error, tookMs, store, printed } = await refusedConnect(urlOf());
    expect(error?.message).toContain(`Redis at ${maskedOf()} refused authentication`);
    expect(error?.message).toMatch(reply);
    expect(error?.message).toContain('not retried');
    expect(tookMs).toBeLessThan(REFUSED_WITHIN_MS);
    for (const secret of [WRONG, PASSWORD]) {
      expect(error?.message).not.toContain(secret);
      expect(printed).not.toContain(secret);
    }
    expect(store.redis.status).toBe('end');
    expect(await msUntilNoSocketTo(server.port, 500)).toBeLessThan(500);
  });

  it('connects with the right ones (the users above are as the cases say)', async () => {
    const store = new RedisStore({ url: `redis://app:${PASSWORD}@127.0.0.1:${server.port}`, connectTimeoutMs: CONNECT_TIMEOUT_MS });
    await store.connect();
    await store.write([{ kind: 'state', policy: 'p', key: 'k', value: 1 }]);
    expect((await store.loadPolicyStates()).get('p')?.get('k')).toBe(1);
    await store.close();
  });
});

describe('connect() through a seed that refuses the credentials', () => {
  it('fails at once on a Sentinel that refuses the password, naming the URL with the password masked', async () => {
    const { error, tookMs, store, printed } = await refusedConnect(`redis+sentinel://:${WRONG}@127.0.0.1:${sentinel.port}/homeostat-test`);
    expect(error?.message).toContain(`Redis at redis+sentinel://:***@127.0.0.1:${sentinel.port}/homeostat-test refused authentication`);
    expect(error?.message).toMatch(/WRONGPASS/);
    expect(tookMs).toBeLessThan(REFUSED_WITHIN_MS);
    expect(error?.message).not.toContain(WRONG);
    expect(printed).not.toContain(WRONG);
    expect(store.redis.status).toBe('end');
    expect(await msUntilNoSocketTo(sentinel.port, 500)).toBeLessThan(500);
  });

  it('fails at once on a Redis Cluster seed that refuses the password, naming the URL with the password masked', async () => {
    const { error, tookMs, store, printed } = await refusedConnect(`redis+cluster://app:${WRONG}@127.0.0.1:${clusterNode.port}`);
    expect(error?.message).toContain(`Redis at redis+cluster://app:***@127.0.0.1:${clusterNode.port} refused authentication`);
    expect(error?.message).toMatch(/WRONGPASS/);
    expect(tookMs).toBeLessThan(REFUSED_WITHIN_MS);
    expect(error?.message).not.toContain(WRONG);
    expect(printed).not.toContain(WRONG);
    expect(store.redis.status).toBe('end');
    expect(await msUntilNoSocketTo(clusterNode.port, 500)).toBeLessThan(500);
  });
});
