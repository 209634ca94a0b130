import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCachedScript } from '../../src/cli/cached-script.js';
import { codeCacheDirs } from '../../src/cli/code-cache-dirs.js';

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
});
