// The command's code cache is compiled code that runs as whoever runs the command: it is read only from a
// directory and a file the current user (or root) alone can change, on a path nobody else can swap, and partial files left by writers that never
// finished are removed.
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, chown, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCachedScript } from '../../src/cli/cached-script.js';
import { isPrivateDirectory, readPrivateFile } from '../../src/core/private-files.js';

const execFileAsync = promisify(execFile);
const uid = process.getuid?.() ?? 0;
const otherUid = uid + 4242;
/** As root, files can be given to a group that is not the process's: then group-writable means others can write. */
const foreignGid = uid === 0 ? 4242 : undefined;
/** Gives `target` to a group the process is not in, where it can (root); true when it did. */
async function giveToForeignGroup(target: string): Promise<boolean> {
  if (foreignGid === undefined) return false;
  await chown(target, uid, foreignGid);
  return true;
}

let dir: string;
let script: string;
let cache: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'homeostat-cache-trust-'));
  script = path.join(dir, 'script.cjs');
  cache = path.join(dir, 'cache');
  // a source of its own in each test: V8's in-process compilation cache must not answer for the file cache
  await writeFile(script, `// ${randomUUID()}\nmodule.exports = { answer: 42 };\n`);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const load = (cacheDirs: readonly string[] = [cache], buildId = 'build-1') => loadCachedScript<{ answer: number }>(script, { buildId, purpose: 'validate', cacheDirs });

/** The one cache file in `cacheDir`. */
async function cacheFile(cacheDir: string = cache): Promise<string> {
  const names = (await readdir(cacheDir)).filter((n) => n.endsWith('.v8'));
  expect(names).toHaveLength(1);
  return path.join(cacheDir, names[0] as string);
}

describe('the code cache is read only where nobody else can write', () => {
  it('reads no cache from a directory its group or others can write to, and keeps its cache in the next one', async () => {
    load().save();
    expect(load().fromCache).toBe(true);
    const foreign = await giveToForeignGroup(cache);
    for (const mode of [0o770, 0o702, 0o777]) {
      await chmod(cache, mode);
      const script = load();
      // writable by its group: refused when that is another group; the process's own (a user-private group) is fine
      expect(script.fromCache, `mode ${mode.toString(8)}`).toBe(mode === 0o770 && !foreign);
      expect(script.exports.answer).toBe(42); // compiled without the cache, the same script
    }
    const second = path.join(dir, 'second');
    load([cache, second]).save();
    await cacheFile(second);
    expect(load([cache, second]).fromCache).toBe(true);
    await chmod(cache, 0o700);
    expect(load().fromCache).toBe(true);
  });

  it('reads no cache file its group or others can write to; one they can only read is fine', async () => {
    load().save();
    const file = await cacheFile();
    const foreign = await giveToForeignGroup(file);
    for (const mode of [0o620, 0o602, 0o666]) {
      await chmod(file, mode);
      expect(load().fromCache, `mode ${mode.toString(8)}`).toBe(mode === 0o620 && !foreign);
    }
    await chmod(file, 0o644);
    expect(load().fromCache).toBe(true);
  });

  it('answers for the user asked about: a directory or file of this user is not private to another (unless this user is root)', async () => {
    load().save();
    const file = await cacheFile();
    expect(isPrivateDirectory(cache, uid)).toBe(true);
    // what root alone can change is as safe as anything root installed: trusted by every user
    expect(isPrivateDirectory(cache, otherUid)).toBe(uid === 0);
    expect(readPrivateFile(file, uid)?.length).toBeGreaterThan(4);
    expect(readPrivateFile(file, otherUid) !== undefined).toBe(uid === 0);
    expect(isPrivateDirectory(file, uid)).toBe(false); // not a directory
    expect(readPrivateFile(cache, uid)).toBeUndefined(); // not a file
    expect(isPrivateDirectory(path.join(dir, 'missing'), uid)).toBe(false);
  });

  // only root can give a file away to another user
  it.runIf(uid === 0)('reads no cache from a directory or a file another user owns (chown)', async () => {
    load().save();
    const file = await cacheFile();
    await chown(cache, otherUid, otherUid);
    expect(load().fromCache).toBe(false);
    await chown(cache, uid, uid);
    await chown(file, otherUid, otherUid);
    expect(load().fromCache).toBe(false);
    await chown(file, uid, uid);
    expect(load().fromCache).toBe(true);
  });
});

describe('partial cache files', () => {
  /** The pid of a process that has ended (a real one, started and waited for). */
  async function endedPid(): Promise<number> {
    const child = execFile(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    await new Promise((resolve) => child.once('exit', resolve));
    return pid;
  }

  it('on save, removes those of writers that are gone and those older than ten minutes; keeps a running writer\'s', async () => {
    load().save();
    const target = await cacheFile();
    const dead = await endedPid();
    const deadWriters = `${target}.${dead}.partial`;
    const oldOfRunning = `${target}.${process.ppid}.partial`;
    const running = `${target}.${process.pid}.partial`;
    const notPartial = path.join(cache, 'notes.txt');
    for (const file of [deadWriters, oldOfRunning, running, notPartial]) await writeFile(file, 'half a cache');
    const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000);
    await utimes(oldOfRunning, elevenMinutesAgo, elevenMinutesAgo);

    // a load that takes the cache writes nothing, and so removes nothing
    expect(load().fromCache).toBe(true);
    expect(await readdir(cache)).toHaveLength(5);

    load([cache], 'build-2').save();
    const left = (await readdir(cache)).map((n) => path.join(cache, n));
    expect(left).toEqual(expect.arrayContaining([running, notPartial]));
    expect(left).not.toContain(deadWriters);
    expect(left).not.toContain(oldOfRunning);
    expect(left.filter((f) => f.endsWith('.v8'))).toHaveLength(1); // build-2's; build-1's removed as before
  });

  it('are what a writer killed while writing leaves, and the next save removes them', async () => {
    // a real writer: a process that saves the cache through a copy of the module, stopped with SIGKILL just
    // before its rename (the write itself is done in one call: nothing else can stop it between the two)
    const runner = path.join(dir, 'writer.mts');
    const cachedScript = path.resolve('src/cli/cached-script.ts');
    await writeFile(
      runner,
      `import fs from 'node:fs';\nimport { syncBuiltinESMExports } from 'node:module';\n` +
        `fs.renameSync = () => { process.kill(process.pid, 'SIGKILL'); };\nsyncBuiltinESMExports();\n` +
        `const { loadCachedScript } = await import(${JSON.stringify(cachedScript)});\n` +
        `loadCachedScript(${JSON.stringify(script)}, { buildId: 'build-1', purpose: 'validate', cacheDirs: [${JSON.stringify(cache)}] }).save();\n`,
    );
    const killed = await execFileAsync(process.execPath, ['--import', 'tsx', runner], { cwd: process.cwd() }).then(
      () => undefined,
      (error: { signal?: string }) => error.signal,
    );
    expect(killed).toBe('SIGKILL');
    const [partial, ...others] = await readdir(cache);
    expect(others).toEqual([]);
    expect(partial).toMatch(/\.v8\.\d+\.partial$/);

    load().save();
    const left = await readdir(cache);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/\.v8$/);
    expect(load().fromCache).toBe(true);
  });

  it('takes nothing through a link, from under a directory others could swap it out of, or from a pipe', async () => {
    load().save();
    const file = await cacheFile();
    expect(isPrivateDirectory(cache, uid)).toBe(true);
    const link = path.join(dir, 'linked-cache');
    await symlink(cache, link);
    expect(isPrivateDirectory(link, uid)).toBe(false); // a link to a private directory is not one
    const linkedFile = path.join(cache, 'linked-file');
    await symlink(file, linkedFile);
    expect(readPrivateFile(linkedFile, uid)).toBeUndefined();
    // a directory above the cache that others can write to: they could rename the cache away and put theirs there
    const parent = path.dirname(cache);
    const parentMode = (await stat(parent)).mode & 0o7777;
    try {
      await chmod(parent, 0o777);
      expect(isPrivateDirectory(cache, uid)).toBe(false);
      await chmod(parent, 0o1777); // sticky, as /tmp: an entry is its owner's alone
      expect(isPrivateDirectory(cache, uid)).toBe(true);
    } finally {
      await chmod(parent, parentMode);
    }
    const fifo = path.join(cache, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(readPrivateFile(fifo, uid)).toBeUndefined(); // answered at once, not stuck waiting for a writer
  });
});
