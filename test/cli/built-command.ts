// The command as an installed package runs it: its bundle (dist/cli-bundle, compiled from the V8 code cache
// after the first run), not the sources through tsx as in this checkout.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root. */
export const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * Installs the command into `<project>/node_modules/homeostat`: package.json, the bin, and the bundle built
 * from these sources; its runtime dependencies linked (hoisted, as npm does) from the repository's
 * node_modules. Returns the path of its bin.
 */
export async function installBuiltCommand(project: string): Promise<string> {
  const nodeModules = path.join(project, 'node_modules');
  const pkg = path.join(nodeModules, 'homeostat');
  await mkdir(path.join(pkg, 'bin'), { recursive: true });
  await copyFile(path.join(repoRoot, 'package.json'), path.join(pkg, 'package.json'));
  await copyFile(path.join(repoRoot, 'bin/homeostat.js'), path.join(pkg, 'bin/homeostat.js'));
  await run(process.execPath, [path.join(repoRoot, 'scripts/build-cli.mjs'), '--quiet', '--out', path.join(pkg, 'dist/cli-bundle')], { cwd: repoRoot, timeout: 120_000 });
  const manifest = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of Object.keys(manifest.dependencies)) {
    await mkdir(path.dirname(path.join(nodeModules, name)), { recursive: true });
    await symlink(path.join(repoRoot, 'node_modules', name), path.join(nodeModules, name), 'dir');
  }
  return path.join(pkg, 'bin/homeostat.js');
}
