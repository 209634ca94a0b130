// `homeostat run --ha --port`: once the stop begins, while the lease is still being handed over, the API
// refuses new effector invocations (503 with Retry-After: nothing may run beside the instance taking over, or
// be accepted only to fail) and still answers reads. A real process on a redis-server of the test's own; Redis
// is paused (SIGSTOP) for the stop, so the hand-over waits on it (the client's 1 s command timeout) and the
// requests surely land in that step.
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { TestRedisServer } from '../support/redis-server.js';
import { freePort } from '../support/free-port.js';
import { repoRoot } from './built-command.js';
import { startCommand, type CommandProcess } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const service = path.join(repoRoot, 'test/server/fixtures/service.yaml');
const ADMIN_TOKEN = 'ha-stop-admin-token-00000000';
const env = { HOMEOSTAT_TOKENS: JSON.stringify([{ token: ADMIN_TOKEN, name: 'root', role: 'admin' }]), OTEL_SDK_DISABLED: 'true' };
let redis: TestRedisServer;
const started: CommandProcess[] = [];

beforeAll(async () => {
  redis = await TestRedisServer.start();
}, 20_000);

afterEach(() => {
  redis.resume();
  for (const command of started.splice(0)) if (command.child.exitCode === null && command.child.signalCode === null) command.child.kill('SIGKILL');
});

afterAll(async () => {
  await redis.dispose();
});

it('refuses an invocation with 503 and Retry-After while handing the lease over, and still answers reads', async () => {
  const port = await freePort();
  const command = startCommand(bin, ['run', service, '--port', String(port), '--redis', redis.url, '--ha', '--log-format', 'json'], { cwd: repoRoot, env });
  started.push(command);
  await command.lineOf('stdout', (line) => line.includes('is now leader'));
  await command.lineOf('stdout', (line) => line.includes('"urls"'));
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  redis.pause();
  command.child.kill('SIGTERM');
  await command.lineOf('stdout', (line) => line.includes('stopping (grace'));
  const [invoked, read] = await Promise.all([
    fetch(`${base}/entities/slow/effectors/restart?wait=0`, { method: 'POST', headers, body: '{}' }),
    fetch(`${base}/entities/slow`, { headers }),
  ]);
  const invokedBody = (await invoked.json()) as { error?: string };
  expect({ status: invoked.status, retryAfter: invoked.headers.get('retry-after'), error: invokedBody.error }).toEqual({
    status: 503,
    retryAfter: '1',
    error: 'the service is stopping: it starts no new effector invocation; retry on another instance or after its restart',
  });
  expect(read.status).toBe(200);
  redis.resume();
  const end = await command.ended(20_000);
  expect(end.signal).toBeNull();
  // nothing was started by the refused request: no invocation of slow's restart was logged
  expect(command.stdout()).not.toMatch(/"effector":"restart"/);
}, 60_000);
