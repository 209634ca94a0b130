// `homeostat run --ha`: an instance that stops gives its lease up only once every effector it started has
// ended, or was aborted at the effector deadline. Before that, another instance could take the lease and act
// on the same entities while this one's effector still ran: two actors. A real process on a redis-server of
// the test's own drives an HTTP target of the test's that holds each request; the test watches the lease key
// in Redis and the target's requests on one clock (this process's performance.now()).
import { Redis } from 'ioredis';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { leaseKey } from '../../src/cluster/lease.js';
import { HoldingTarget, blueprintActingOn } from '../support/holding-target.js';
import { TestRedisServer } from '../support/redis-server.js';
import { freePort } from '../support/free-port.js';
import { repoRoot } from './built-command.js';
import { startCommand, type CommandProcess } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const env = { OTEL_SDK_DISABLED: 'true' };
const ADMIN_TOKEN = 'lease-effectors-admin-token-000';
let redis: TestRedisServer;
let client: Redis;
const started: CommandProcess[] = [];
const targets: HoldingTarget[] = [];

beforeAll(async () => {
  redis = await TestRedisServer.start();
  client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
}, 20_000);

afterEach(async () => {
  for (const command of started.splice(0)) if (command.child.exitCode === null && command.child.signalCode === null) command.child.kill('SIGKILL');
  for (const target of targets.splice(0)) await target.close();
  await client.flushall();
});

afterAll(async () => {
  client.disconnect();
  await redis.dispose();
});

/**
 * Watches the lease key every 5 ms until it no longer names process `pid` (given up, or lapsed), and resolves
 * with that moment.
 */
function watchRelease(pid: number): Promise<{ releasedAt: number }> {
  const key = leaseKey('leaseeffectors', 'root');
  return new Promise((resolve, reject) => {
    const look = async (): Promise<void> => {
      const value = await client.get(key);
      if (value === null || !value.includes(`:${pid}:`)) resolve({ releasedAt: performance.now() });
      else setTimeout(() => void look().catch(reject), 5);
    };
    void look().catch(reject);
  });
}

async function startLeader(file: string, extra: string[]): Promise<CommandProcess> {
  const command = startCommand(bin, ['run', file, '--redis', redis.url, '--ha', '--log-format', 'json', ...extra], { cwd: repoRoot, env: { ...env, HOMEOSTAT_TOKENS: JSON.stringify([{ token: ADMIN_TOKEN, name: 'root', role: 'admin' }]) } });
  started.push(command);
  await command.lineOf('stdout', (line) => line.includes('is now leader'));
  return command;
}

it('keeps the lease (renewed) while an effector that runs when SIGTERM arrives finishes, and releases it after', async () => {
  // held past the lease time (2 s): the key outlives it only by being renewed while the effector finishes
  const target = await HoldingTarget.start(3_000);
  targets.push(target);
  const command = await startLeader(await blueprintActingOn(target, 'leaseeffectors'), []);
  const held = await target.arrived;
  const pid = command.child.pid as number;
  // the key names this process when the stop begins
  expect(await client.get(leaseKey('leaseeffectors', 'root'))).toContain(`:${pid}:`);
  const signalledAt = performance.now();
  command.child.kill('SIGTERM');
  const release = watchRelease(pid);
  const end = await command.ended(30_000);
  const { releasedAt } = await release;
  expect(held.answered).toBeDefined();
  const effectorEnd = held.answered as number;
  console.log(`effector ended ${Math.round(effectorEnd - signalledAt)} ms after SIGTERM, lease released ${Math.round(releasedAt - signalledAt)} ms after SIGTERM (${Math.round(releasedAt - effectorEnd)} ms after the effector's end)`);
  expect(releasedAt).toBeGreaterThanOrEqual(effectorEnd);
  expect(end).toEqual({ code: 0, signal: null });
  // nothing was started after the one that ran as the stop began
  expect(target.requests).toHaveLength(1);
}, 60_000);

it('keeps the lease while an API invocation that runs when SIGTERM arrives finishes, and releases it after', async () => {
  const target = await HoldingTarget.start(3_000);
  targets.push(target);
  const port = await freePort();
  const command = await startLeader(await blueprintActingOn(target, 'leaseeffectors', false), ['--port', String(port)]);
  await command.lineOf('stdout', (line) => line.includes('"urls"'));
  const invoked = await fetch(`http://127.0.0.1:${port}/entities/app/effectors/act?wait=0`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
  expect(invoked.status).toBe(202);
  const held = await target.arrived;
  const signalledAt = performance.now();
  command.child.kill('SIGTERM');
  const release = watchRelease(command.child.pid as number);
  const end = await command.ended(30_000);
  const { releasedAt } = await release;
  expect(held.answered).toBeDefined();
  const effectorEnd = held.answered as number;
  console.log(`API effector ended ${Math.round(effectorEnd - signalledAt)} ms after SIGTERM, lease released ${Math.round(releasedAt - signalledAt)} ms after SIGTERM (${Math.round(releasedAt - effectorEnd)} ms after the effector's end)`);
  expect(releasedAt).toBeGreaterThanOrEqual(effectorEnd);
  expect(end).toEqual({ code: 0, signal: null });
}, 60_000);

it('when the effector grace passes, aborts the effector, then releases the lease at once, and exits with 1', async () => {
  const target = await HoldingTarget.start(Infinity);
  targets.push(target);
  // a grace of 2 s: effectors are aborted 1.5 s after the signal
  const command = await startLeader(await blueprintActingOn(target, 'leaseeffectors'), ['--stop-grace', '2']);
  const held = await target.arrived;
  const pid = command.child.pid as number;
  const signalledAt = performance.now();
  command.child.kill('SIGTERM');
  const release = watchRelease(pid);
  const end = await command.ended(30_000);
  const { releasedAt } = await release;
  expect(held.cut).toBeDefined();
  const abortedAt = held.cut as number;
  console.log(`effector aborted ${Math.round(abortedAt - signalledAt)} ms after SIGTERM, lease released ${Math.round(releasedAt - signalledAt)} ms after SIGTERM (${Math.round(releasedAt - abortedAt)} ms after the abort)`);
  expect(abortedAt - signalledAt).toBeGreaterThan(1_000);
  expect(releasedAt).toBeGreaterThanOrEqual(abortedAt);
  // promptly: not left to expire (2 s) but given up as soon as the abort was recorded
  expect(releasedAt - abortedAt).toBeLessThan(1_000);
  expect(end).toEqual({ code: 1, signal: null });
  expect(command.stderr()).toContain('so they were aborted: 1 effector in flight (act on app, running ');
}, 60_000);

it('gives its lease up at once when it cannot start its HTTP service, instead of leaving it to expire', async () => {
  const target = await HoldingTarget.start(3_000);
  targets.push(target);
  const taken = (await import('node:net')).createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const command = startCommand(bin, ['run', await blueprintActingOn(target, 'leaseeffectors', false), '--redis', redis.url, '--ha', '--log-format', 'json', '--port', String(port)], { cwd: repoRoot, env: { ...env, HOMEOSTAT_TOKENS: JSON.stringify([{ token: ADMIN_TOKEN, name: 'root', role: 'admin' }]) } });
    started.push(command);
    const pid = command.child.pid as number;
    const key = leaseKey('leaseeffectors', 'root');
    let held = false;
    const watching = (async () => {
      while (command.child.exitCode === null) {
        if ((await client.get(key))?.includes(`:${pid}:`)) held = true;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const end = await command.ended(30_000);
    await watching;
    const afterExit = await client.get(key);
    expect(end).toEqual({ code: 1, signal: null });
    expect(command.stderr()).toContain(`cannot start the HTTP service on 127.0.0.1:${port}`);
    expect(held).toBe(true);
    // given up as the run ended (a lease left behind would keep every other instance out for its 2 s)
    expect(afterExit ?? '').not.toContain(`:${pid}:`);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
}, 60_000);
