// Files are created with the effective user id: a directory the process just made for itself must count as
// its own when the real and effective ids differ (a setuid wrapper, `setpriv --euid`).
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');
let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'homeostat-euid-'));
  await chmod(root, 0o1777); // anyone may make an entry in it, and only its owner change it (as /tmp)
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it.runIf(process.getuid?.() === 0)('counts a directory it made itself as private when its effective user is not its real one', async () => {
  const dir = path.join(root, 'cache');
  const probe = `const fs = require('node:fs'); fs.mkdirSync(${JSON.stringify(dir)}, { mode: 0o700 }); import('${path.join(repoRoot, 'dist/core/private-files.js')}').then((m) => console.log(m.isPrivateDirectory(${JSON.stringify(dir)})))`;
  const { stdout } = await run('setpriv', ['--euid=65534', '--egid=65534', '--clear-groups', process.execPath, '-e', probe]);
  expect(stdout.trim()).toBe('true');
});
