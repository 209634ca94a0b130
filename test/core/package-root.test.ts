import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/package-root.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('packageRoot', () => {
  it('finds the repository from a source module, whatever its depth', () => {
    expect(packageRoot(pathToFileURL(path.join(repoRoot, 'src/cli/package-info.ts')).href)).toBe(repoRoot);
    expect(packageRoot(pathToFileURL(path.join(repoRoot, 'src/server/ui/console-routes.ts')).href)).toBe(repoRoot);
    expect(packageRoot(pathToFileURL(path.join(repoRoot, 'dist/cli-bundle/main.js')).href)).toBe(repoRoot);
  });

  it('stops at the nearest package.json above the module (an installed copy in node_modules)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'homeostat-root-'));
    scratch.push(dir);
    const home = path.join(dir, 'node_modules', 'homeostat');
    mkdirSync(path.join(home, 'dist', 'cli-bundle'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"name":"app"}');
    writeFileSync(path.join(home, 'package.json'), '{"name":"homeostat"}');
    expect(packageRoot(pathToFileURL(path.join(home, 'dist', 'cli-bundle', 'chunk.js')).href)).toBe(home);
  });
});
