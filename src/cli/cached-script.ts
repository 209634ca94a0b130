import v8 from 'node:v8';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { isPrivateDirectory, readPrivateFile } from '../core/private-files.js';
import { partialFileName, stalePartials } from './stale-partials.js';
import { makeDirectorySync } from '../core/make-directory.js';

/** A CommonJS script compiled with V8's code cache: what it exports, and a way to keep what was compiled. */
export interface CachedScript<Exports> {
  /** The script's `module.exports`. */
  readonly exports: Exports;
  /** Whether V8 took the compiled code from the cache instead of compiling the script. */
  readonly fromCache: boolean;
  /**
   * Writes the code compiled so far (the script's top level and every function that has run) to the cache,
   * when it did not come from there. Call it once the work is done, so that the next run finds all of it
   * compiled. Never throws: a cache that cannot be written is left out.
   */
  save(): void;
}

/** Options of `loadCachedScript`. */
export interface CachedScriptOptions {
  /** Changes whenever the script's content does (the build's hash of it). */
  readonly buildId: string;
  /** The use of the script (a command): each keeps the code that its own runs compiled. */
  readonly purpose: string;
  /** Directories to keep the cache in, best first (see codeCacheDirs); none keeps nothing. */
  readonly cacheDirs: readonly string[];
}

// The CommonJS wrapper, on a line of its own so that the script's line and column numbers stay its own.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_TAIL = '\n})';
const DIGEST_BYTES = 4;

type CommonJsWrapper = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;

/**
 * CRC-32 of `data` as 4 bytes: what tells a sound cache file from a damaged one (a cache of another build has
 * another name). Cheap where a cryptographic hash would start OpenSSL for nothing; Node before 20.15 has no
 * zlib.crc32 and reads no cache (see cacheDirsUsable).
 */
function crc32(data: string | Uint8Array): Buffer {
  const digest = Buffer.alloc(DIGEST_BYTES);
  digest.writeUInt32BE((zlib as { crc32?: (data: string | Uint8Array) => number }).crc32?.(data) ?? 0);
  return digest;
}

/**
 * Runs the CommonJS script `file` (ASCII, as esbuild writes it) as Node runs one (module.exports, require from its directory), compiled
 * from V8's code cache when a cache of this very script (same build id, size, modification time, Node and
 * architecture) is found in one of `cacheDirs`. A cache file carries a CRC-32 of its content: one that is
 * missing, truncated, corrupt or from another build is ignored (the script is compiled as without a cache)
 * and replaced on `save()`. V8 itself rejects code cached by another V8 version or with other flags. A cache
 * directory or file that someone other than the current user owns or can write to is neither read nor written
 * (see core/private-files.ts).
 * The script cannot use `import()` (a script compiled from the cache has no module loader): it must be handed
 * a function that imports for it.
 * @throws what reading or running the script throws; never because of the cache
 */
export function loadCachedScript<Exports>(file: string, options: CachedScriptOptions): CachedScript<Exports> {
  // the build writes the script in ASCII: read as one byte a character, no UTF-8 decoding of a large file
  const source = readFileSync(file, 'latin1');
  const cacheDirs = cacheDirsUsable() ? options.cacheDirs : [];
  const names = cacheNames(file, source.length, options);
  const cached = readCache(cacheDirs, names.file);
  const script = new vm.Script(`${WRAPPER_HEAD}${source}${WRAPPER_TAIL}`, {
    filename: file,
    lineOffset: -1,
    ...(cached === undefined ? {} : { cachedData: cached }),
  });
  const fromCache = cached !== undefined && script.cachedDataRejected !== true;
  const module = { exports: {} as unknown };
  (script.runInThisContext() as CommonJsWrapper)(module.exports, createRequire(file), module, file, path.dirname(file));
  let saved = fromCache;
  return {
    exports: module.exports as Exports,
    fromCache,
    save: () => {
      if (saved) return;
      saved = true;
      writeCache(cacheDirs, names, script);
    },
  };
}

/** Whether this Node can check a cache file (zlib.crc32, from Node 20.15). */
const cacheDirsUsable = (): boolean => typeof (zlib as { crc32?: unknown }).crc32 === 'function';

/**
 * The cache file's name, `<script path>-<build id>-<file, Node>-<purpose>.v8` (each part hashed), and the
 * prefixes of its script's and its build's files.
 */
function cacheNames(file: string, length: number, options: CachedScriptOptions): { readonly file: string; readonly scriptPrefix: string; readonly buildPrefix: string } {
  let modified = 0;
  try {
    modified = statSync(file).mtimeMs;
  } catch {
    // read a moment ago: the build id and length alone then
  }
  const scriptPrefix = `${crc32(path.resolve(file)).toString('hex')}-`;
  const build = `${options.buildId.replace(/[^0-9a-z]/gi, '').slice(0, 16)}-${crc32(JSON.stringify([length, modified, process.version, process.arch])).toString('hex')}`;
  const buildPrefix = `${scriptPrefix}${build}-`;
  // V8's tag of the flags that decide whether it takes a cache: runs with other flags keep a file of their own
  // (after the build's prefix, so that neither removes the other's) instead of overwriting one at every switch
  const flags = v8.cachedDataVersionTag().toString(16);
  return { file: `${buildPrefix}${flags}-${options.purpose.replace(/[^a-z0-9]/gi, '_')}.v8`, scriptPrefix, buildPrefix };
}

/**
 * The cached code in the first directory that has a sound copy, else undefined. Only a directory and a file
 * that the current user alone can change are read: code planted by someone who can write to
 * node_modules/.cache but not to the command would run as whoever runs the command.
 */
function readCache(dirs: readonly string[], name: string): Buffer | undefined {
  for (const dir of dirs) {
    if (!isPrivateDirectory(dir)) continue;
    const content = readPrivateFile(path.join(dir, name));
    if (content === undefined) continue;
    const data = content.subarray(DIGEST_BYTES);
    if (content.length > DIGEST_BYTES && crc32(data).equals(content.subarray(0, DIGEST_BYTES))) return data;
  }
  return undefined;
}

/**
 * Writes the script's compiled code into the first directory that takes it and that only the current user
 * can change (a whole file or none: written aside, then renamed), and removes that directory's caches of
 * earlier builds of the same script and the partial files of writers that never finished.
 */
function writeCache(dirs: readonly string[], names: ReturnType<typeof cacheNames>, script: vm.Script): void {
  let data: Buffer;
  try {
    data = script.createCachedData();
  } catch {
    return;
  }
  for (const dir of dirs) {
    const target = path.join(dir, names.file);
    const partial = partialFileName(target);
    try {
      // the parents (node_modules/.cache, ~/.cache) as any tool makes them; only the cache's own directory private
      makeDirectorySync(path.dirname(dir));
      makeDirectorySync(dir, 0o700);
      // one that was there already, someone else's or open to others, would never be read: the next one then
      if (!isPrivateDirectory(dir)) continue;
      writeFileSync(partial, Buffer.concat([crc32(data), data]), { mode: 0o600 });
      renameSync(partial, target);
    } catch {
      removeQuietly(partial);
      continue;
    }
    tidy(dir, names);
    return;
  }
}

/** Removes the caches of earlier builds of the script from `dir`, and partial files no write will finish. */
function tidy(dir: string, names: ReturnType<typeof cacheNames>): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return; // a directory that cannot be listed: left as it is
  }
  for (const entry of entries) {
    if (entry.startsWith(names.scriptPrefix) && !entry.startsWith(names.buildPrefix) && entry.endsWith('.v8')) removeQuietly(path.join(dir, entry));
  }
  for (const file of stalePartials(dir, entries, Date.now())) removeQuietly(file);
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // another process removed it, or it cannot be: left for the next write
  }
}
