import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';
import { codeBlocks, repoRoot } from './readme-blocks.js';

// Runs the README's identity example as it is written: the first block starts the local identity provider
// and `homeostat run --port` (real processes, on free ports instead of 9400 and 8080), the second makes the
// calls, each printing its status code, which must be the code its comment says.
const blocks = codeBlocks();
const start = blocks.find((b) => b.lang === 'sh' && b.text.includes('examples/identity/idp.mjs --port 9400'));
const calls = blocks.find((b) => b.lang === 'sh' && b.text.includes('code() {'));

let started: ChildProcess | undefined;
afterAll(() => {
  // the block's shell and the two processes it started are in the process group this test created
  if (started?.pid !== undefined && started.exitCode === null) process.kill(-started.pid, 'SIGTERM');
});

describe('the README identity example, run as written', () => {
  it('answers 401, 200, 403 and 404 across roles and tenants, and takes tokens signed with a rotated key', async () => {
    expect(start, 'the README block starting the identity example').toBeDefined();
    expect(calls, 'the README block of calls to the identity example').toBeDefined();
    const [idpPort, apiPort] = [await freePort(), await freePort()];
    const onFreePorts = (text: string) => text.replaceAll(':9400', `:${idpPort}`).replaceAll('--port 9400', `--port ${idpPort}`).replaceAll(':8080', `:${apiPort}`).replaceAll('--port 8080', `--port ${apiPort}`);

    let output = '';
    started = spawn('bash', ['-c', `${onFreePorts(start?.text ?? '')}\nwait`], { cwd: repoRoot, detached: true, env: { ...process.env, OTEL_SDK_DISABLED: 'true' } });
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until('the identity provider and homeostat answering', 60_000, async () => {
      const [jwks, health] = await Promise.all([fetch(`http://127.0.0.1:${idpPort}/jwks.json`), fetch(`http://127.0.0.1:${apiPort}/health`)]);
      return jwks.ok && health.ok ? true : undefined;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}; they printed: ${output}`);
    });
    expect(output).toMatch(/^ops: ey/m); // the provider printed the users' tokens

    const script = onFreePorts(calls?.text ?? '');
    const expected = script.split('\n').filter((line) => line.startsWith('code ')).map((line) => /#\s*(\d{3})\b/.exec(line)?.[1]);
    expect(expected).toHaveLength(12);
    expect(expected).not.toContain(undefined);
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { cwd: repoRoot });
    expect(stdout.trim().split('\n')).toEqual(expected);
  });
});
