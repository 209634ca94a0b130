// Builds and packs homeostat the way `npm publish` would, into a temporary directory, so that tests see
// exactly what a user installs: the tracked files, a fresh build in dist/, filtered by package.json "files".
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root. */
export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** One file of `npm pack --json`. */
export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

/** A packed homeostat. */
export interface PackedPackage {
  /** Scratch directory holding everything; removed by `cleanup`. */
  readonly scratch: string;
  /** The files of the tarball, as `npm pack --json` lists them. */
  readonly files: readonly PackedFile[];
  /**
   * Installs the tarball as `<project>/node_modules/homeostat`, with its runtime dependencies and `extra`
   * packages linked (hoisted, as npm does) from the repository's node_modules: no download, and nothing a
   * user would not get (no optional peers unless named in `extra`). Returns the path of its bin.
   */
  install(project: string, extra?: readonly string[]): Promise<string>;
  cleanup(): Promise<void>;
}

/** Runs `npm` (no network: pack reads local files only). */
async function npm(args: readonly string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', [...args], { cwd, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 });
  return stdout;
}

/** Copies the tracked and new (not ignored) files of the repository, builds dist/ and packs it. */
export async function packHomeostat(): Promise<PackedPackage> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'homeostat-pack-'));
  const source = path.join(scratch, 'source');
  const tracked = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repoRoot, maxBuffer: 32 * 1024 * 1024 }).catch(() => undefined);
  if (tracked) {
    for (const file of tracked.stdout.split('\0').filter((f) => f !== '' && existsSync(path.join(repoRoot, f)))) {
      await mkdir(path.dirname(path.join(source, file)), { recursive: true });
      await cp(path.join(repoRoot, file), path.join(source, file));
    }
  } else {
    // not a git checkout (an unpacked source archive): everything but what .gitignore keeps out
    const skipped = new Set(['node_modules', '.git', 'dist', 'coverage', '.scratch', '.bench-build']);
    await cp(repoRoot, source, { recursive: true, filter: (from) => !skipped.has(path.relative(repoRoot, from).split(path.sep)[0] ?? '') });
  }
  await symlink(path.join(repoRoot, 'node_modules'), path.join(source, 'node_modules'), 'dir');
  // the build as `prepare` makes it (library and the command's bundle), from the copied sources, with the
  // repository's compiler and bundler
  await run(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', path.join(source, 'tsconfig.build.json')], { cwd: source, timeout: 360_000 });
  await run(process.execPath, [path.join(source, 'scripts/build-cli.mjs'), '--quiet'], { cwd: source, timeout: 120_000 });
  const packed = JSON.parse(await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], source)) as Array<{ filename: string; files: PackedFile[] }>;
  const tarball = packed[0];
  if (!tarball) throw new Error('npm pack produced nothing');
  const pkg = JSON.parse(await readFile(path.join(source, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const install = async (project: string, extra: readonly string[] = []): Promise<string> => {
    const home = path.join(project, 'node_modules', 'homeostat');
    await mkdir(home, { recursive: true });
    await run('tar', ['-xzf', path.join(scratch, tarball.filename), '-C', home, '--strip-components=1']);
    for (const name of [...Object.keys(pkg.dependencies ?? {}), ...extra]) {
      const link = path.join(project, 'node_modules', name);
      if (existsSync(link)) continue;
      await mkdir(path.dirname(link), { recursive: true });
      await symlink(path.join(repoRoot, 'node_modules', name), link, 'dir');
    }
    return path.join(home, 'bin', 'homeostat.js');
  };
  return { scratch, files: tarball.files, install, cleanup: () => rm(scratch, { recursive: true, force: true }) };
}
