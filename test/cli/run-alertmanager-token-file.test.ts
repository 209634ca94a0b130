// `homeostat run --port` reads the Alertmanager receiver's token from HOMEOSTAT_ALERTMANAGER_TOKEN_FILE. Before,
// the file was read whole with readFileSync whatever it was: /dev/zero grew the process for minutes until it
// aborted (std::bad_alloc, exit 134, no message), and a missing file or a directory gave a raw ENOENT/EISDIR
// naming no variable. Now only a regular file of at most 64 KiB is read, and a refusal names the variable.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './built-command.js';
import { startCommand } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const idle = path.join(repoRoot, 'test/cli/fixtures/idle.yaml');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'homeostat-am-token-'));
  await writeFile(path.join(dir, 'short'), 'too-short\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `run --port 0` with the token file given, and returns how it ended and its stderr. */
async function runWithTokenFile(file: string): Promise<{ code: number | null; stderr: string }> {
  const command = startCommand(bin, ['run', idle, '--port', '0', '--log-format', 'json'], { cwd: repoRoot, env: { HOMEOSTAT_ALERTMANAGER_TOKEN_FILE: file } });
  const end = await command.ended(30_000);
  return { code: end.code, stderr: command.stderr() };
}

describe('homeostat run, HOMEOSTAT_ALERTMANAGER_TOKEN_FILE', () => {
  it.each([
    ['/dev/zero', 'it is a device, not a file'],
    ['(the test directory)', 'it is a directory, not a file'],
    ['(a missing file)', 'no such file'],
  ])('refuses %s at once, naming the variable, the file and why', async (label, why) => {
    const file = label === '(the test directory)' ? dir : label === '(a missing file)' ? path.join(dir, 'missing') : label;
    const { code, stderr } = await runWithTokenFile(file);
    expect(code, stderr).toBe(1);
    expect(stderr.trim()).toBe(`cannot start the HTTP service: HOMEOSTAT_ALERTMANAGER_TOKEN_FILE '${file}': cannot read the token: ${why}`);
  }, 40_000);

  it('refuses a token shorter than 16 characters, naming the variable and the file', async () => {
    const file = path.join(dir, 'short');
    const { code, stderr } = await runWithTokenFile(file);
    expect(code, stderr).toBe(1);
    expect(stderr.trim()).toBe(`cannot start the HTTP service: HOMEOSTAT_ALERTMANAGER_TOKEN_FILE: the Alertmanager token is 9 characters (in '${file}'); it must be at least 16`);
  }, 40_000);
});
