// An image is built as root (its run of `homeostat validate` compiles the TypeScript policy modules into
// node_modules/.cache/homeostat-modules), its dev dependencies pruned (no esbuild), and it runs as another
// user. A cache only root can change is as safe as the command root installed: that user must be able to use it.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cacheKey, storeCompiled, writableCacheDir } from '../../src/blueprint/compiled-module-cache.js';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');
let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'homeostat-root-warmed-'));
  await chmod(root, 0o755);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it.runIf(process.getuid?.() === 0)('lets another user load a module root compiled into the cache', async () => {
  const modulePath = path.join(root, 'guard.ts');
  await writeFile(modulePath, 'export default 1;\n');
  await chmod(modulePath, 0o644);
  const cacheDir = path.join(root, 'node_modules', '.cache', 'homeostat-modules');
  expect(await writableCacheDir(cacheDir)).toBe(cacheDir);
  const key = cacheKey(modulePath, 'export default 1;\n', 'build');
  await storeCompiled(path.join(cacheDir, `${key}.mjs`), modulePath, { code: 'export default 1;\n', inputs: [modulePath], compiler: '0.28.2' }, true);
  const probe = `import('${path.join(repoRoot, 'dist/blueprint/compiled-module-cache.js')}').then(async (m) => console.log(String(await m.findCompiled(${JSON.stringify(cacheDir)}, ${JSON.stringify(key)}, undefined))))`;
  const { stdout } = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', probe]);
  expect(stdout.trim()).toBe(path.join(cacheDir, `${key}.mjs`));
});
