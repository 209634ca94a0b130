import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, chmod, constants, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isPrivateDirectory, isPrivateFile } from '../core/private-files.js';
import type { CompiledModule } from './compile-typescript-module.js';
import { nearestTsconfig } from './nearest-tsconfig.js';
import { tsconfigChain } from './tsconfig-extends.js';
import { makeDirectory } from '../core/make-directory.js';

/** What a cached module was compiled from: each input file and the hash of its content then. */
interface CacheManifest {
  /** The module compiled (absent in entries of earlier builds): its entry goes when the file is deleted. */
  readonly entry?: string;
  /** The version of esbuild that compiled it (absent in entries of earlier builds). */
  readonly compiler?: string;
  readonly inputs: ReadonlyArray<{ readonly file: string; readonly sha256: string }>;
}

/** Where compiled modules are kept, inside the project's node_modules (removed with it, private to it). */
const CACHE_SUBDIR = path.join('node_modules', '.cache', 'homeostat-modules');

/** A partial file older than this was left by a process that stopped while writing it: 10 minutes. */
const ABANDONED_PARTIAL_MS = 10 * 60 * 1000;

/** A file of code (TypeScript or JavaScript), as opposed to a configuration or imported JSON. */
const SOURCE_FILE = /\.[cm]?[jt]sx?$/;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The cache directory for a module: node_modules/.cache/homeostat-modules of the nearest directory above
 * the module that has node_modules (the project's), or undefined when there is none (nothing is kept).
 */
export function cacheDirFor(modulePath: string): string | undefined {
  for (let dir = path.dirname(modulePath); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules'))) return path.join(dir, CACHE_SUBDIR);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * `dir` once it exists, can be written, and nobody but this user (or root) can change it or the path to it
 * (made 0755: others may read and use it, not change it; one of this user's made laxer before is tightened),
 * or undefined when it cannot be (a read-only node_modules, a file or a link in the way, a directory someone
 * else owns or could swap): the module is then compiled for this run only, as without a project node_modules.
 * Compiled modules are imported as they are found, so nobody else may plant one.
 */
export async function writableCacheDir(dir: string): Promise<string | undefined> {
  try {
    // only the cache's own directory is checked and tightened: node_modules/.cache is shared with other tools
    await makeDirectory(path.dirname(dir));
    await mkdir(dir, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await access(dir, constants.W_OK);
    const own = await lstat(dir);
    // never through a link: changing the mode of what it points to would change someone else's directory
    if (own.isDirectory() && own.uid === process.geteuid?.() && (own.mode & 0o022) !== 0) await chmod(dir, own.mode & ~0o022 & 0o7777);
    return isPrivateDirectory(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The cache key of a module: `<path hash>-<content hash>`, the second part from its content and the command
 * build that compiled it. A module keeps one entry: storing a new one removes those with the same path hash.
 */
export function cacheKey(modulePath: string, source: string, buildId: string): string {
  return `${sha256(modulePath).slice(0, 16)}-${sha256(JSON.stringify([buildId, sha256(source)])).slice(0, 16)}`;
}

/**
 * The compiled file for `key` when every file it was compiled from still has the same content (and the same
 * nearest tsconfig.json, extending the same configurations) and the esbuild installed now (`compiler`,
 * undefined when none is) is the one that compiled it, else undefined.
 */
export async function findCompiled(dir: string, key: string, compiler: string | undefined): Promise<string | undefined> {
  const file = path.join(dir, `${key}.mjs`);
  const manifestFile = path.join(dir, `${key}.json`);
  // a cache someone else can write to could hold a module they planted: it is not used (compiled afresh)
  if (!isPrivateDirectory(dir) || !isPrivateFile(manifestFile) || !isPrivateFile(file)) return undefined;
  let manifest: CacheManifest;
  try {
    manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as CacheManifest;
  } catch {
    return undefined;
  }
  if (compiler !== undefined && manifest.compiler !== compiler) return undefined;
  for (const input of manifest.inputs) {
    let content: string;
    try {
      content = await readFile(input.file, 'utf8');
    } catch {
      return undefined;
    }
    if (sha256(content) !== input.sha256) return undefined;
  }
  // a tsconfig.json that appeared nearer a source file than the one it was compiled with (or where none was),
  // or a configuration it extends that resolves to another file now (a base written, a package installed)
  const recorded = new Set(manifest.inputs.map((input) => input.file));
  // (configurations, those they extend and imported JSON are no source files: only code finds a tsconfig)
  const sources = manifest.inputs.filter((input) => SOURCE_FILE.test(input.file));
  const configs = new Set(sources.flatMap((input) => nearestTsconfig(input.file)));
  if ([...configs].some((config) => tsconfigChain(config).some((file) => !recorded.has(file)))) return undefined;
  return file;
}

/**
 * Writes a compiled module to `outfile` and, with `keep`, the manifest that lets a later run reuse it. Each
 * file is written whole and renamed into place, so that a concurrent run never reads half of one.
 */
export async function storeCompiled(outfile: string, entry: string, compiled: CompiledModule, keep: boolean): Promise<void> {
  await makeDirectory(path.dirname(outfile));
  await writeWhole(outfile, compiled.code);
  if (!keep) return;
  const inputs = await Promise.all(compiled.inputs.map(async (file) => ({ file, sha256: sha256(await readFile(file, 'utf8')) })));
  const manifest: CacheManifest = { entry, compiler: compiled.compiler, inputs };
  await writeWhole(outfile.replace(/\.mjs$/, '.json'), JSON.stringify(manifest));
  await removeOlderEntries(outfile);
}

/**
 * Removes the entries of earlier versions of the module (the same path hash, another content hash) and those
 * of modules whose file no longer exists, so that the cache holds one entry per module of the project. A
 * partial file is another process writing right now (it renames it into place next), so it is left unless
 * abandoned long ago.
 */
async function removeOlderEntries(outfile: string): Promise<void> {
  const dir = path.dirname(outfile);
  const key = path.basename(outfile, '.mjs');
  const pathHash = key.split('-')[0] ?? key;
  const names = await readdir(dir);
  const deleted = new Set<string>();
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const entry = await readFile(path.join(dir, name), 'utf8').then((text) => (JSON.parse(text) as CacheManifest).entry, () => undefined);
    if (entry !== undefined && !existsSync(entry)) deleted.add(path.basename(name, '.json'));
  }
  for (const name of names) {
    const file = path.join(dir, name);
    if (name.endsWith('.partial')) {
      if (await isAbandoned(file)) await rm(file, { force: true });
      continue;
    }
    const owner = name.split('.')[0] ?? name;
    const older = name.startsWith(`${pathHash}-`) && !name.startsWith(key);
    if (older || deleted.has(owner)) await rm(file, { force: true });
  }
}

async function isAbandoned(partial: string): Promise<boolean> {
  const modified = await stat(partial).then((s) => s.mtimeMs, () => undefined);
  return modified !== undefined && Date.now() - modified > ABANDONED_PARTIAL_MS;
}

async function writeWhole(file: string, text: string): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, text, { mode: 0o644 });
  await rename(partial, file);
}
