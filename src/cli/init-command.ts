import { lstat, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { shellWord } from '../sim/fault-schedule.js';
import { packageInfo } from './package-info.js';
import { STARTER_POLICY, STARTER_TEST, STARTER_TSCONFIG, starterBlueprint, starterPackageJson } from './init-templates.js';
import type { Io } from './validate-command.js';
import { makeDirectory } from '../core/make-directory.js';

/** Relative paths of the files `homeostat init` writes, in the order it writes them. */
export const STARTER_FILES = ['package.json', 'tsconfig.json', '.gitignore', 'blueprint.yaml', 'policies/busy-guard.ts', 'policies/busy-guard.test.ts'] as const;

/** A package and blueprint name made from a directory name: lower case, letters, digits and '-'. */
export function starterName(dir: string): string {
  const name = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name === '' ? 'my-loops' : name;
}

/** Whether anything is at the path: a file, a directory, or a symbolic link (even one pointing nowhere). */
async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** The nearest existing path at or above `dir` when it is not a directory (so the starter cannot go there). */
async function fileInTheWay(dir: string): Promise<string | undefined> {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const found = await stat(at).catch(() => undefined);
    if (found) return found.isDirectory() ? undefined : at;
    if (path.dirname(at) === at) return undefined;
  }
}

/** Options of `initCommand`. */
export interface InitOptions {
  /** Called before each file is written (its relative path); for tests of a write that fails. */
  readonly beforeWrite?: (file: string) => Promise<void>;
}

/**
 * `homeostat init [dir]`: writes a starter project (a blueprint, a policy module, its virtual-time test, a
 * package.json, a tsconfig and a .gitignore) into `dir` (default: the current directory), creating it if needed.
 * Refuses, writing nothing, when any of those files already exists. Returns the exit code.
 */
export async function initCommand(dir: string, io: Io, options: InitOptions = {}): Promise<number> {
  const { version, ranges } = packageInfo();
  const name = starterName(dir);
  const versions = { homeostat: version, zod: ranges.get('zod') ?? '^4', vitest: ranges.get('vitest') ?? '^4', tsx: ranges.get('tsx') ?? '^4' };
  const contents: Record<(typeof STARTER_FILES)[number], string> = {
    'package.json': starterPackageJson(name, versions),
    'tsconfig.json': STARTER_TSCONFIG,
    '.gitignore': 'node_modules/\n',
    'blueprint.yaml': starterBlueprint(name),
    'policies/busy-guard.ts': STARTER_POLICY,
    'policies/busy-guard.test.ts': STARTER_TEST,
  };
  const taken: string[] = [];
  for (const file of STARTER_FILES) if (await exists(path.join(dir, file))) taken.push(path.join(dir, file));
  if (taken.length > 0) {
    for (const file of taken) io.err(`${file}: already exists; homeostat init never overwrites a file`);
    io.err('nothing was written: run init in a new or empty directory');
    return 1;
  }
  const inTheWay = await fileInTheWay(dir);
  if (inTheWay !== undefined) {
    io.err(`${dir}: cannot write the starter: ${inTheWay === path.resolve(dir) ? dir : inTheWay} is a file, not a directory`);
    return 1;
  }
  const written: string[] = [];
  let createdPolicies = false;
  try {
    createdPolicies = !(await exists(path.join(dir, 'policies')));
    await makeDirectory(path.join(dir, 'policies'));
    for (const file of STARTER_FILES) {
      await options.beforeWrite?.(file);
      // 'wx': fail rather than overwrite, should a file appear between the check and the write
      await writeFile(path.join(dir, file), contents[file], { flag: 'wx' });
      written.push(file);
    }
  } catch (error) {
    io.err(`${dir}: cannot write the starter: ${(error as Error).message}`);
    // what this run wrote is taken back, so that a second try does not find its own files in the way
    for (const file of written) await rm(path.join(dir, file), { force: true }).catch(() => undefined);
    if (createdPolicies) await rmdir(path.join(dir, 'policies')).catch(() => undefined);
    io.err(written.length > 0 || createdPolicies ? 'nothing was written (what was written before the failure was removed)' : 'nothing was written');
    return 1;
  }
  const cd = path.resolve(dir) === process.cwd() ? '' : `cd ${shellWord(dir)} && `;
  io.out(`wrote a starter into ${dir === '.' ? 'the current directory' : dir}: ${STARTER_FILES.join(', ')}`);
  io.out(`next: ${cd}npm install && npm test && npm run validate && npm start`);
  return 0;
}
