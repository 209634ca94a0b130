// The compiled-module cache's housekeeping, on a real directory: storing a module's new version removes its
// older entries, but not the file another process is writing right now for a version of its own.
import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheKey, findCompiled, storeCompiled, writableCacheDir } from '../../src/blueprint/compiled-module-cache.js';

let dir: string;
let modulePath: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'homeostat-module-cache-'));
  modulePath = path.join(dir, 'guard.ts');
  await writeFile(modulePath, 'export default 1;\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Stores `source` as the compiled module of guard.ts; resolves with its key. */
async function store(source: string): Promise<string> {
  const key = cacheKey(modulePath, source, 'build');
  await storeCompiled(path.join(dir, `${key}.mjs`), modulePath, { code: source, inputs: [modulePath], compiler: '0.28.2' }, true);
  return key;
}

describe('storing a compiled module', () => {
  it('removes the older version of the module, and keeps the newer', async () => {
    const older = await store('export default 1;\n');
    const newer = await store('export default 2;\n');
    const names = await readdir(dir);
    expect(names.filter((name) => name.startsWith(older))).toEqual([]);
    expect(names.filter((name) => name.startsWith(newer)).sort()).toEqual([`${newer}.json`, `${newer}.mjs`]);
  });

  it('leaves the file another process is writing for another version, which it renames into place next', async () => {
    const other = cacheKey(modulePath, 'export default 3;\n', 'build');
    const inProgress = path.join(dir, `${other}.mjs.4242.partial`);
    await writeFile(inProgress, 'export default 3;\n');
    await store('export default 2;\n');
    expect(await readdir(dir)).toContain(path.basename(inProgress));
  });

  it('removes a partial file left by a process that stopped long ago', async () => {
    const other = cacheKey(modulePath, 'export default 3;\n', 'build');
    const abandoned = path.join(dir, `${other}.mjs.4242.partial`);
    await writeFile(abandoned, 'export default 3;\n');
    const dayAgo = new Date(Date.now() - 24 * 3600 * 1000);
    await utimes(abandoned, dayAgo, dayAgo);
    await store('export default 2;\n');
    expect(await readdir(dir)).not.toContain(path.basename(abandoned));
  });
});

describe('finding a compiled module', () => {
  it('compiles again when a configuration the tsconfig.json extends appears where none was found (a base written or a package installed after)', async () => {
    const tsconfig = path.join(dir, 'tsconfig.json');
    await writeFile(tsconfig, '{ "extends": ["./base", "shared-config"] }');
    const source = 'export default 1;\n';
    const key = cacheKey(modulePath, source, 'build');
    await storeCompiled(path.join(dir, `${key}.mjs`), modulePath, { code: source, inputs: [modulePath, tsconfig], compiler: '0.28.2' }, true);
    expect(await findCompiled(dir, key, '0.28.2')).toBe(path.join(dir, `${key}.mjs`));
    await writeFile(path.join(dir, 'base.json'), '{ "compilerOptions": { "paths": { "@x": ["./x.ts"] } } }');
    expect(await findCompiled(dir, key, '0.28.2')).toBeUndefined();
    await rm(path.join(dir, 'base.json'));
    await mkdir(path.join(dir, 'node_modules/shared-config'), { recursive: true });
    await writeFile(path.join(dir, 'node_modules/shared-config/tsconfig.json'), '{}');
    expect(await findCompiled(dir, key, '0.28.2')).toBeUndefined();
  });

  it('uses no module someone else could have planted: a cache directory or file others can write to, or one another user owns', async () => {
    const key = await store('export default 2;\n');
    const compiled = path.join(dir, `${key}.mjs`);
    expect(await findCompiled(dir, key, '0.28.2')).toBe(compiled);
    await chmod(compiled, 0o646); // writable by others: anyone could have replaced it
    expect(await findCompiled(dir, key, '0.28.2')).toBeUndefined();
    if (process.getuid?.() === 0) {
      await chown(compiled, 0, 4242); // writable by a group the process is not in
      await chmod(compiled, 0o664);
      expect(await findCompiled(dir, key, '0.28.2')).toBeUndefined();
    }
    await chmod(compiled, 0o600);
    await chmod(path.join(dir, `${key}.json`), 0o646);
    expect(await findCompiled(dir, key, '0.28.2')).toBeUndefined();
    await chmod(path.join(dir, `${key}.json`), 0o600);
    await chmod(dir, 0o777);
    expect(await findCompiled(dir, key, '0.28.2')).toBeUndefined();
    await chmod(dir, 0o700);
    expect(await findCompiled(dir, key, '0.28.2')).toBe(compiled);
    if (process.getuid?.() === 0) {
      await chown(compiled, 4242, 4242); // another user's file, however private
      expect(await findCompiled(dir, key, '0.28.2')).toBeUndefined();
    }
  });
});

describe('the cache directory', () => {
  it('is made so that only this user can change it whatever the umask, its files too, and one made laxer before is tightened', async () => {
    const previous = process.umask(0o002); // a user-private-group umask: directories 0775, files 0664
    try {
      const cacheDir = path.join(dir, 'node_modules', '.cache', 'homeostat-modules');
      expect(await writableCacheDir(cacheDir)).toBe(cacheDir);
      expect((await stat(cacheDir)).mode & 0o777).toBe(0o755);
      expect((await stat(path.dirname(cacheDir))).mode & 0o777).toBe(0o775); // node_modules/.cache is other tools' too
      const key = cacheKey(modulePath, 'export default 1;\n', 'build');
      await storeCompiled(path.join(cacheDir, `${key}.mjs`), modulePath, { code: 'export default 1;\n', inputs: [modulePath], compiler: '0.28.2' }, true);
      expect((await stat(path.join(cacheDir, `${key}.mjs`))).mode & 0o777).toBe(0o644);
      // node_modules/.cache is writable by the process's own group: fine (a user-private group)
      expect(await findCompiled(cacheDir, key, '0.28.2')).toBe(path.join(cacheDir, `${key}.mjs`));
      // writable by others: they could swap the cache directory for theirs
      await chmod(path.dirname(cacheDir), 0o777);
      expect(await findCompiled(cacheDir, key, '0.28.2')).toBeUndefined();
      await chmod(path.dirname(cacheDir), 0o755);
      expect(await findCompiled(cacheDir, key, '0.28.2')).toBe(path.join(cacheDir, `${key}.mjs`));
      await chmod(cacheDir, 0o775);
      expect(await writableCacheDir(cacheDir)).toBe(cacheDir);
      expect((await stat(cacheDir)).mode & 0o777).toBe(0o755);
      if (process.getuid?.() === 0) {
        await chown(cacheDir, 4242, 4242);
        await chmod(cacheDir, 0o777);
        expect(await writableCacheDir(cacheDir)).toBeUndefined(); // not ours to tighten: compiled for this run only
      }
    } finally {
      process.umask(previous);
    }
  });

  it('never changes the mode of what a link in its place points to, and is not used through one', async () => {
    const shared = path.join(dir, 'shared');
    await mkdir(shared, { mode: 0o777 });
    await chmod(shared, 0o1777); // a directory everyone writes to, as /tmp
    const cacheDir = path.join(dir, 'node_modules', '.cache', 'homeostat-modules');
    await mkdir(path.dirname(cacheDir), { recursive: true });
    await symlink(shared, cacheDir);
    expect(await writableCacheDir(cacheDir)).toBeUndefined();
    expect((await stat(shared)).mode & 0o7777).toBe(0o1777);
  });
});
