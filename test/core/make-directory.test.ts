// Node's mkdir(dir, { recursive: true }) never returns when the system answers ENOENT for a directory under one
// that exists (procfs): `homeostat init /proc/x` spun at full CPU for ever, and a process entity's log directory
// there would have stopped the service inside a synchronous call. makeDirectory makes each level once.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDirectory, makeDirectorySync } from '../../src/core/make-directory.js';

const procfs = existsSync('/proc/self');

describe('makeDirectory', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'homeostat-mkdir-'));
  });
  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  it('makes the missing levels, leaves existing ones, and gives the mode to those it makes', async () => {
    await makeDirectory(path.join(scratch, 'a', 'b', 'c'), 0o700);
    makeDirectorySync(path.join(scratch, 'a', 'b', 'd', 'e'), 0o700);
    expect(statSync(path.join(scratch, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(statSync(path.join(scratch, 'a', 'b', 'd', 'e')).mode & 0o777).toBe(0o700);
    // a directory already there is no error, either way
    await makeDirectory(path.join(scratch, 'a'));
    makeDirectorySync(path.join(scratch, 'a', 'b'));
  });

  it('fails naming the level when a file is in the way', async () => {
    writeFileSync(path.join(scratch, 'file'), '');
    await expect(makeDirectory(path.join(scratch, 'file', 'x'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(() => makeDirectorySync(path.join(scratch, 'file', 'x', 'y'))).toThrow(/ENOTDIR/);
  });

  it.runIf(procfs)('fails at once under /proc, where the recursive mkdir spins for ever', async () => {
    await expect(makeDirectory('/proc/homeostat-nope/a')).rejects.toMatchObject({ code: 'ENOENT' });
    // the synchronous one in a child process, killed if it spins: in this process it would block the test run
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', `import('${path.resolve(import.meta.dirname, '../../src/core/make-directory.ts')}').then((m) => { try { m.makeDirectorySync('/proc/homeostat-nope/a'); console.log('made'); } catch (e) { console.log(e.code); } })`], { encoding: 'utf8', timeout: 30_000 });
    expect(child.signal).toBeNull();
    expect(child.stdout.trim()).toBe('ENOENT');
  }, 40_000);

  it.runIf(procfs)('homeostat init into /proc says it cannot, and ends', () => {
    const init = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../../bin/homeostat.js'), 'init', '/proc/homeostat-nope'], { encoding: 'utf8', timeout: 30_000 });
    expect(init.signal).toBeNull();
    expect(init.status).toBe(1);
    expect(init.stderr).toContain('/proc/homeostat-nope: cannot write the starter: ENOENT');
    expect(init.stderr).toContain('nothing was written');
  }, 40_000);
});
