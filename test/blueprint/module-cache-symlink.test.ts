// The module cache's directory sits in node_modules/.cache, which the checks assume others may write to. A
// symlink planted there in its place must not make `homeostat` change the mode of whatever it points to.
import { chmod, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { writableCacheDir } from '../../src/blueprint/compiled-module-cache.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'homeostat-symlink-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it('leaves alone a shared directory (like /tmp, 1777) that a planted symlink names as the cache directory', async () => {
  const shared = path.join(root, 'shared-tmp'); // stands for /tmp, /var/tmp, a group's shared directory
  await mkdir(shared);
  await chmod(shared, 0o1777);
  const cacheParent = path.join(root, 'project', 'node_modules', '.cache');
  await mkdir(cacheParent, { recursive: true });
  await symlink(shared, path.join(cacheParent, 'homeostat-modules'));
  const answer = await writableCacheDir(path.join(cacheParent, 'homeostat-modules'));
  expect((await stat(shared)).mode & 0o7777).toBe(0o1777);
  expect(answer).toBeUndefined();
});
