// `homeostat run --ha --port`: once the stop begins, while the loops' effectors finish (the lease is still
// held, and given up only after them), the API refuses new effector invocations (503 with Retry-After: one
// accepted now would only hold the lease longer, or run past the hand-over) and still answers reads. A real
// process on a redis-server of the test's own; its loop's effector calls an HTTP target of the test's that
// holds the request for 3 s, so the requests surely land while the stop waits on it.
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { HoldingTarget, blueprintActingOn } from '../support/holding-target.js';
import { TestRedisServer } from '../support/redis-server.js';
import { freePort } from '../support/free-port.js';
import { repoRoot } from './built-command.js';
import { startCommand, type CommandProcess } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const ADMIN_TOKEN = 'ha-stop-admin-token-00000000';
const env = { HOMEOSTAT_TOKENS: JSON.stringify([{ token: ADMIN_TOKEN, name: 'root', role: 'admin' }]), OTEL_SDK_DISABLED: 'true' };
let redis: TestRedisServer;
const started: CommandProcess[] = [];
const targets: HoldingTarget[] = [];

beforeAll(async () => {
  redis = await TestRedisServer.start();
}, 20_000);

afterEach(async () => {
  for (const command of started.splice(0)) if (command.child.exitCode === null && command.child.signalCode === null) command.child.kill('SIGKILL');
  for (const target of targets.splice(0)) await target.close();
});

afterAll(async () => {
  await redis.dispose();
});

it('refuses an invocation with 503 and Retry-After while its loops\' effectors finish, and still answers reads', async () => {
  const target = await HoldingTarget.start(3_000);
  targets.push(target);
  const port = await freePort();
  const command = startCommand(bin, ['run', await blueprintActingOn(target, 'hastoprefuses'), '--port', String(port), '--redis', redis.url, '--ha', '--log-format', 'json'], { cwd: repoRoot, env });
  started.push(command);
  await command.lineOf('stdout', (line) => line.includes('is now leader'));
  await command.lineOf('stdout', (line) => line.includes('"urls"'));
  await target.arrived;
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  command.child.kill('SIGTERM');
  await command.lineOf('stdout', (line) => line.includes('stopping (grace'));
  const [invoked, read] = await Promise.all([
    fetch(`${base}/entities/app/effectors/act?wait=0`, { method: 'POST', headers, body: '{}' }),
    fetch(`${base}/entities/app`, { headers }),
  ]);
  const invokedBody = (await invoked.json()) as { error?: string };
  expect({ status: invoked.status, retryAfter: invoked.headers.get('retry-after'), error: invokedBody.error }).toEqual({
    status: 503,
    retryAfter: '1',
    error: 'the service is stopping: it starts no new effector invocation; retry on another instance or after its restart',
  });
  expect(read.status).toBe(200);
  // the answers came while the loop's effector still ran
  expect(target.requests[0]?.answered).toBeUndefined();
  const end = await command.ended(20_000);
  expect(end).toEqual({ code: 0, signal: null });
  // nothing was started by the refused request: the target saw the loop's one call only
  expect(target.requests).toHaveLength(1);
}, 60_000);
