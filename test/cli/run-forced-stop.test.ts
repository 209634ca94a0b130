// How `homeostat run` ends when its stop is cut short, as a real process: a second SIGINT or SIGTERM during the
// graceful stop ends it at once with the shell's code for that signal (130, 143), saying on stderr what it
// abandons; a stop that outlives its grace ends with 1 and says what still ran.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signalGroup } from '../../src/effectors/kinds/signal-group.js';
import { repoRoot } from './built-command.js';
import { startCommand, type CommandProcess } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
/** A blueprint with a server `slow` whose restart boots for 10 minutes. */
const service = path.join(repoRoot, 'test/server/fixtures/service.yaml');
const ADMIN_TOKEN = 'forced-stop-admin-token-0000';
const env = { HOMEOSTAT_TOKENS: JSON.stringify([{ token: ADMIN_TOKEN, name: 'root', role: 'admin' }]), OTEL_SDK_DISABLED: 'true' };

let scratch: string;
const started: CommandProcess[] = [];
const processGroups: number[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'homeostat-forced-stop-'));
});

afterEach(() => {
  // a test that failed half-way leaves nothing running
  for (const command of started.splice(0)) if (command.child.exitCode === null && command.child.signalCode === null) command.child.kill('SIGKILL');
  for (const pid of processGroups.splice(0)) signalGroup(pid, 'SIGKILL');
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Resolves once `file` exists (polled; fails after 20 s). */
async function waitForFile(file: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} was not written within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts `homeostat run` with `args` and resolves once it has logged `ready`. */
async function run(args: readonly string[], ready: string, extraEnv: Record<string, string> = {}): Promise<CommandProcess> {
  const command = startCommand(bin, ['run', ...args, '--log-format', 'json'], { cwd: repoRoot, env: { ...env, ...extraEnv } });
  started.push(command);
  await command.lineOf('stdout', (line) => line.includes(ready));
  return command;
}

/** Starts the service with `slow`'s restart in flight (answered at once, still booting). */
async function serviceWithSlowRestart(stopGraceSeconds: number): Promise<CommandProcess> {
  const command = await run([service, '--port', '0', '--stop-grace', String(stopGraceSeconds)], '"urls"');
  const listening = await command.lineOf('stdout', (line) => line.includes('"urls"'));
  const port = new URL((JSON.parse(listening) as { urls: string[] }).urls[0] as string).port;
  const response = await fetch(`http://127.0.0.1:${port}/entities/slow/effectors/restart?wait=0`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
  expect(response.status).toBe(202);
  return command;
}

describe('homeostat run: a second signal during the stop', () => {
  it.each([
    ['SIGINT', 'SIGINT', 130],
    ['SIGTERM', 'SIGTERM', 143],
    ['SIGTERM', 'SIGINT', 130],
  ] as const)('%s then %s ends it at once with %i, naming the effector it abandons', async (first, second, code) => {
    // a grace of a minute: only the second signal can make it end within seconds
    const command = await serviceWithSlowRestart(60);
    command.child.kill(first);
    await command.lineOf('stdout', (line) => line.includes('stopping (grace 60 s)'));
    expect(command.child.exitCode).toBeNull();
    const sentAt = Date.now();
    command.child.kill(second);
    expect(await command.ended(10_000)).toEqual({ code, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(3_000);
    const stderr = command.stderr();
    expect(stderr).toContain(`homeostat: a second ${second} ended the stop at once; abandoned: 1 effector in flight (restart on slow, running `);
    expect(stderr).not.toContain('stopped cleanly');
    expect(command.stdout()).not.toContain('stopped cleanly');
  }, 60_000);

  it('a single signal still gives the effector its grace, then aborts it and ends with 1, saying so', async () => {
    const command = await serviceWithSlowRestart(2);
    const sentAt = Date.now();
    command.child.kill('SIGINT');
    expect(await command.ended(15_000)).toEqual({ code: 1, signal: null });
    // the effector had its share of the grace (1.5 s of 2 s) before it was aborted
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_400);
    expect(command.stderr().trim()).toMatch(/^homeostat: the stop grace \(2 s, 1\.5 s of it for effectors\) passed with effectors still running, so they were aborted: 1 effector in flight \(restart on slow, running 1\.\d s\)$/);
  }, 60_000);
});

describe('homeostat run: a stop that outlives its grace', () => {
  it('ends with 1 once the grace has passed, naming what still ran', async () => {
    // a process that ignores SIGTERM (it writes `ready` once it does), given 30 s to stop by its driver:
    // longer than the run's grace of 1 s
    const ready = path.join(scratch, 'ignoring-sigterm');
    const ignoring = "process.on('SIGTERM', () => undefined); require('node:fs').writeFileSync(process.argv[1], 'ready'); setInterval(() => undefined, 1000)";
    const blueprint = path.join(scratch, 'stubborn.yaml');
    await writeFile(blueprint, `name: stubborn
application:
  id: app
  children:
    - id: stubborn
      type: process
      config: { command: ${JSON.stringify(process.execPath)}, args: ["-e", ${JSON.stringify(ignoring)}, ${JSON.stringify(ready)}], stopGrace: 30s }
`);
    const command = await run([blueprint, '--stop-grace', '1'], '"kind":"spawned"', { HOMEOSTAT_STATE_DIR: path.join(scratch, 'state') });
    const spawned = await command.lineOf('stdout', (line) => line.includes('"kind":"spawned"'));
    const pid = (JSON.parse(spawned) as { process: { pid: number } }).process.pid;
    processGroups.push(pid);
    await waitForFile(ready);
    const sentAt = Date.now();
    command.child.kill('SIGTERM');
    expect(await command.ended(15_000)).toEqual({ code: 1, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(1_000 + 3_000);
    expect(command.stderr().trim()).toBe('homeostat: the stop grace of 1 s has passed with work still running; abandoned: 1 managed process not stopped, while stopping the drivers and knowledge');
  }, 60_000);
});
