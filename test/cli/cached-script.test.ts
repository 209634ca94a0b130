import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCachedScript } from '../../src/cli/cached-script.js';
import { codeCacheDirs } from '../../src/cli/code-cache-dirs.js';

const execFileAsync = promisify(execFile);

interface Counter {
  readonly next: () => number;
  readonly dirname: string;
}

describe('loadCachedScript', () => {
  let dir: string;
  let script: string;
  let cache: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'homeostat-cached-script-'));
    script = path.join(dir, 'script.cjs');
    cache = path.join(dir, 'cache');
    // a source of its own in each test: V8's in-process compilation cache must not answer for the file cache
    await writeFile(script, `// ${randomUUID()}\nlet n = 0;\nmodule.exports = { next: () => ++n, dirname: __dirname };\n`);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const load = (buildId = 'build-1', cacheDirs: readonly string[] = [cache]) => loadCachedScript<Counter>(script, { buildId, purpose: 'validate', cacheDirs });

  it('runs the script as CommonJS, compiles it without a cache first, then from the cache that save() wrote', async () => {
    const first = load();
    expect(first.fromCache).toBe(false);
    expect(first.exports.next()).toBe(1);
    expect(first.exports.dirname).toBe(dir);
    first.save();
    expect(await readdir(cache)).toHaveLength(1);

    const second = load();
    expect(second.fromCache).toBe(true);
    expect(second.exports.next()).toBe(1);
  });

  it('ignores a damaged cache file, runs the script all the same and replaces the file on save()', async () => {
    load().save();
    const [name] = await readdir(cache);
    const file = path.join(cache, name as string);
    const content = await readFile(file);
    const middle = content.length >> 1;
    content[middle] = (content[middle] as number) ^ 0xff;
    await writeFile(file, content);
    const damaged = load();
    expect(damaged.fromCache).toBe(false);
    expect(damaged.exports.next()).toBe(1);
    damaged.save();
    expect(load().fromCache).toBe(true);

    await writeFile(file, content.subarray(0, 10));
    expect(load().fromCache).toBe(false);
  });

  it('takes no cache of another build, and save() removes the caches of earlier builds of the script', async () => {
    load('build-1').save();
    const other = load('build-2');
    expect(other.fromCache).toBe(false);
    other.save();
    expect(await readdir(cache)).toHaveLength(1);
    expect(load('build-2').fromCache).toBe(true);
    expect(load('build-1').fromCache).toBe(false);
  });

  it('writes into the next directory when the first cannot be made, and without any keeps nothing and works', async () => {
    const blocked = path.join(dir, 'a-file');
    await writeFile(blocked, '');
    const first = load('build-1', [path.join(blocked, 'cache'), cache]);
    first.save();
    expect(await readdir(cache)).toHaveLength(1);
    expect(load('build-1', [path.join(blocked, 'cache'), cache]).fromCache).toBe(true);

    const none = load('build-1', []);
    expect(none.fromCache).toBe(false);
    expect(() => none.save()).not.toThrow();
    expect(none.exports.next()).toBe(1);
  });
});

describe('codeCacheDirs', () => {
  it('puts the cache in node_modules/.cache of the install holding the script, then in the user cache directory', () => {
    const installed = path.join(path.sep, 'project', 'node_modules', 'homeostat', 'dist', 'cli-bundle', 'command.cjs');
    expect(codeCacheDirs(installed, { XDG_CACHE_HOME: path.join(path.sep, 'xdg') })).toEqual([
      path.join(path.sep, 'project', 'node_modules', '.cache', 'homeostat-cli'),
      path.join(path.sep, 'xdg', 'homeostat-cli'),
    ]);
  });

  it('ignores a relative XDG_CACHE_HOME (the XDG spec says so): the cache never lands in the working directory', () => {
    const installed = path.join(path.sep, 'project', 'node_modules', 'homeostat', 'dist', 'cli-bundle', 'command.cjs');
    const dirs = codeCacheDirs(installed, { XDG_CACHE_HOME: 'cache-rel' });
    expect(dirs[0]).toBe(path.join(path.sep, 'project', 'node_modules', '.cache', 'homeostat-cli'));
    for (const dir of dirs) expect(path.isAbsolute(dir)).toBe(true);
    expect(dirs.some((dir) => dir.includes('cache-rel'))).toBe(false);
  });
});

describe('the code cache on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'homeostat-cache-dirs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes only its own directory private: the parents it creates (node_modules/.cache) keep the usual mode', async () => {
    const script = path.join(dir, 'script.cjs');
    await writeFile(script, `// ${randomUUID()}\nmodule.exports = {};\n`);
    const parent = path.join(dir, 'node_modules', '.cache');
    const own = path.join(parent, 'homeostat-cli');
    loadCachedScript(script, { buildId: 'b', purpose: 'validate', cacheDirs: [own] }).save();
    expect((await stat(own)).mode & 0o777).toBe(0o700);
    expect((await stat(parent)).mode & 0o077).not.toBe(0); // others keep what the umask gives them
  });

  it('keeps a file per set of V8 flags, so runs with other flags do not overwrite each other', async () => {
    const script = path.join(dir, 'script.cjs');
    await writeFile(script, `// ${randomUUID()}\nmodule.exports = {};\n`);
    const cache = path.join(dir, 'cache');
    loadCachedScript(script, { buildId: 'b', purpose: 'validate', cacheDirs: [cache] }).save();
    const [name] = await readdir(cache);
    expect(name).toContain(`-${v8.cachedDataVersionTag().toString(16)}-validate.v8`);
  });

  it('keeps the compiled code when the command ends the process itself (as run does on a signal)', async () => {
    const script = path.join(dir, 'command.cjs');
    await writeFile(script, `// ${randomUUID()}\nexports.useImporter = () => {};\nexports.shared = {};\nexports.main = async () => { process.exit(0); };\n`);
    const runner = path.join(dir, 'runner.mts');
    const commandScriptModule = pathToFileURL(path.resolve('src/cli/command-script.ts')).href;
    await writeFile(runner, `import { commandScript } from ${JSON.stringify(commandScriptModule)};\nawait commandScript(new URL(${JSON.stringify(pathToFileURL(script).href)}), 'b', (s) => import(s)).main(['node', 'homeostat', 'run']);\n`);
    await execFileAsync(process.execPath, ['--import', 'tsx', runner], { cwd: process.cwd(), env: { ...process.env, XDG_CACHE_HOME: path.join(dir, 'xdg') } });
    // no node_modules above the temporary directory: the user cache directory holds it
    const files = await readdir(path.join(dir, 'xdg', 'homeostat-cli'));
    expect(files.filter((f) => f.endsWith('-run.v8'))).toHaveLength(1);
  });
});
