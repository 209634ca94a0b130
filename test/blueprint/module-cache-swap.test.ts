// A compiled module is checked by path (directory, manifest, module) and imported later by the same path: a
// user who can write to node_modules/.cache (the case the checks are for) swaps the checked directory for one
// of theirs in between, and their module is the one handed back for import.
import { chmod, chown, cp, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cacheKey, findCompiled, storeCompiled, writableCacheDir } from '../../src/blueprint/compiled-module-cache.js';
import { isPrivateFile } from '../../src/core/private-files.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'homeostat-swap-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it.runIf(process.getuid?.() === 0)('never answers a module the current user does not alone control, even if the directory is swapped after the check', async () => {
  const modulePath = path.join(root, 'guard.ts');
  await writeFile(modulePath, 'export default 1;\n');
  const cacheDir = path.join(root, 'node_modules', '.cache', 'homeostat-modules');
  expect(await writableCacheDir(cacheDir)).toBe(cacheDir);
  const key = cacheKey(modulePath, 'export default 1;\n', 'build');
  await storeCompiled(path.join(cacheDir, `${key}.mjs`), modulePath, { code: 'export default 1;\n', inputs: [modulePath], compiler: '0.28.2' }, true);
  // the other user's copy: same manifest (it names readable inputs and their hashes), their own module
  const planted = path.join(root, 'node_modules', '.cache', 'planted');
  await cp(cacheDir, planted, { recursive: true });
  await writeFile(path.join(planted, `${key}.mjs`), 'export default "planted";\n');
  for (const f of ['', `${key}.mjs`, `${key}.json`]) await chown(path.join(planted, f), 65534, 65534);

  await chmod(path.dirname(cacheDir), 0o777); // the other user can write to node_modules/.cache (the attack's premise)
  const found = findCompiled(cacheDir, key, '0.28.2'); // checks run now, synchronously
  await rename(cacheDir, `${cacheDir}.moved`); // renaming within node_modules/.cache needs write access there only
  await rename(planted, cacheDir);
  const answer = await found;
  expect(answer === undefined || isPrivateFile(answer)).toBe(true);
});
