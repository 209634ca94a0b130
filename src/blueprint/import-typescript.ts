import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheDirFor, cacheKey, findCompiled, storeCompiled, writableCacheDir } from './compiled-module-cache.js';
import { commandBundle, type CommandBundle } from './command-bundle.js';
import { compileTypeScriptModule } from './compile-typescript-module.js';
import { esbuildVersion, loadEsbuild } from './load-esbuild.js';
import { dynamicImport } from '../core/dynamic-import.js';

type ModuleRecord = Record<string, unknown>;

/** No TypeScript loader is installed: neither tsx nor the esbuild that comes with it. */
export class TypeScriptLoaderMissingError extends Error {
  constructor() {
    super('install tsx to load TypeScript policy modules (npm install --save-dev tsx), or compile the module to .js');
    this.name = 'TypeScriptLoaderMissingError';
  }
}

/** True when TypeScript modules load through the command's own compiler (the installed `homeostat` command). */
export function compilesTypeScript(): boolean {
  return commandBundle() !== undefined;
}

/**
 * Imports a TypeScript module when no TypeScript loader is active. From the command's bundle (the installed
 * `homeostat` command), esbuild compiles it with its local imports into one ES module that imports the
 * command's own copies of homeostat, rxjs and zod (see compileTypeScriptModule), kept in the project's
 * node_modules/.cache/homeostat-modules by content hash, so that a later run with unchanged files loads it
 * without compiling (with no project node_modules, or one that cannot be written, it is compiled for this run
 * only); stack traces name the original file and line. Elsewhere (a program using the library),
 * through tsx's loader API.
 * @throws TypeScriptLoaderMissingError when neither esbuild nor tsx is installed; an error with code
 *   ERR_MODULE_NOT_FOUND naming the file when it does not exist; otherwise what compiling or loading threw
 */
export async function importTypeScript(absolutePath: string): Promise<ModuleRecord> {
  const bundle = commandBundle();
  if (bundle) {
    const loaded = await importCompiled(absolutePath, bundle);
    if (loaded) return loaded;
  }
  let tsx: typeof import('tsx/esm/api');
  try {
    tsx = await dynamicImport<typeof import('tsx/esm/api')>('tsx/esm/api');
  } catch {
    // tsx is an optional peer dependency: embedders that only load .js modules do not carry it
    throw new TypeScriptLoaderMissingError();
  }
  return (await tsx.tsImport(pathToFileURL(absolutePath).href, import.meta.url)) as ModuleRecord;
}

/** The module compiled by the command (from the cache when its files are unchanged), or undefined without esbuild. */
async function importCompiled(absolutePath: string, bundle: CommandBundle): Promise<ModuleRecord | undefined> {
  let source: string;
  try {
    source = await readFile(absolutePath, 'utf8');
  } catch {
    throw Object.assign(new Error(`Cannot find module '${absolutePath}'`), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  const cacheDir = cacheDirFor(absolutePath);
  const key = cacheKey(absolutePath, source, bundle.buildId);
  const cached = cacheDir === undefined ? undefined : await findCompiled(cacheDir, key, esbuildVersion(absolutePath));
  if (cached !== undefined) {
    try {
      return await importWithSourceMaps(cached);
    } catch (error) {
      // a package it imports by absolute path moved (node_modules reinstalled): compile again
      if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    }
  }
  // esbuild is loaded only to compile: a cached module loads without it
  const esbuild = await loadEsbuild(absolutePath);
  if (esbuild === undefined) return undefined;
  const keptIn = cacheDir === undefined ? undefined : await writableCacheDir(cacheDir);
  const dir = keptIn ?? (await mkdtemp(path.join(os.tmpdir(), 'homeostat-module-')));
  try {
    const outfile = path.join(dir, `${key}.mjs`);
    const compiled = await compileTypeScriptModule(esbuild, absolutePath, outfile, bundle);
    await storeCompiled(outfile, absolutePath, compiled, keptIn !== undefined);
    // after a failed import of the same file, Node would answer that failure again: a fresh URL loads it anew
    return await importWithSourceMaps(outfile, cached === undefined ? '' : `?recompiled=${Date.now()}`);
  } finally {
    if (keptIn === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Imports a compiled module with source maps on, so that an error thrown while it loads has a stack naming
 * the original file and line; the previous setting is restored after (the stack is formatted by then).
 */
async function importWithSourceMaps(file: string, query = ''): Promise<ModuleRecord> {
  // undefined before Node 20.7, where source maps are off unless --enable-source-maps is given
  const before = (process.sourceMapsEnabled as boolean | undefined) ?? process.execArgv.includes('--enable-source-maps');
  process.setSourceMapsEnabled(true);
  try {
    return await dynamicImport<ModuleRecord>(`${pathToFileURL(file).href}${query}`);
  } catch (error) {
    if (error instanceof Error) void error.stack;
    throw error;
  } finally {
    process.setSourceMapsEnabled(before);
  }
}
