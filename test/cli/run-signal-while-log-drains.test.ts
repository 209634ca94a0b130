// `homeostat run`: a second SIGINT or SIGTERM that comes after the stop sequence returned, while the last log
// lines drain (up to 1 s), ends the process at once with the signal's code (130, 143), as one during the stop
// does. A real process whose standard output is a pipe nobody reads, filled up before it starts, so its log
// cannot drain; its stop cuts an effector short, so it says so on stderr just before the drain.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { repoRoot } from './built-command.js';
import { spawn } from 'node:child_process';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const service = path.join(repoRoot, 'test/server/fixtures/service.yaml');
const ADMIN_TOKEN = 'log-drain-admin-token-000000';
const env = { HOMEOSTAT_TOKENS: JSON.stringify([{ token: ADMIN_TOKEN, name: 'root', role: 'admin' }]), OTEL_SDK_DISABLED: 'true', NO_COLOR: '1' };
let scratch: string;
const descriptors: number[] = [];
const children: Array<ReturnType<typeof spawn>> = [];

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'homeostat-log-drain-'));
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const fd of descriptors.splice(0)) closeSync(fd);
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A named pipe opened at both ends (no reader ever reads it) and filled until it takes no more. */
function fullPipe(name: string): number {
  const fifo = path.join(scratch, name);
  execFileSync('mkfifo', [fifo]);
  const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  descriptors.push(fd);
  const block = Buffer.alloc(4096, 0x20);
  for (;;) {
    try {
      writeSync(fd, block);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return fd;
      throw error;
    }
  }
}

/** Polls until `url` answers, for 30 s. */
async function answering(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await fetch(url).then(() => true, () => false)) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('homeostat run: a second signal while the last log lines drain', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s ends it at once with %i, saying so', async (second, code) => {
    const port = await freePort();
    const stdout = fullPipe(`stdout-${second}`);
    const child = spawn(process.execPath, [bin, 'run', service, '--port', String(port), '--stop-grace', '1', '--log-format', 'json'], { cwd: repoRoot, stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, ...env } });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (c, s) => resolve({ code: c, signal: s })));
    const base = `http://127.0.0.1:${port}`;
    await answering(`${base}/health`);
    // slow's restart boots for 10 minutes: the stop aborts it at its effector grace and ends with 1, saying so
    const response = await fetch(`${base}/entities/slow/effectors/restart?wait=0`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(202);
    child.kill('SIGINT');
    const deadline = Date.now() + 20_000;
    while (!stderr.includes('so they were aborted')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no explanation of the stop on stderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // the stop sequence has returned: the process now waits (up to 1 s) for its log, which cannot drain
    const sentAt = Date.now();
    child.kill(second);
    // the signal's code (not the stop's 1) says the signal won the race against the drain's 1 s timer,
    // whatever the machine's load; the loose bound says the process did not then hang on the full pipe
    expect(await ended).toEqual({ code, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(stderr).toContain(`homeostat: a second ${second} ended the process at once while its last log lines were written; lines not yet written are lost`);
  }, 60_000);
});
