import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describeDuration } from '../core/duration.js';
import type { AnyPolicyDefinition } from '../policies/define-policy.js';
import { compileProblem } from './compile-problem.js';
import { compilesTypeScript, importTypeScript, TypeScriptLoaderMissingError } from './import-typescript.js';
import { describeExport, errorSummary, findSyntaxError, thrownAt } from './module-diagnosis.js';
import { dynamicImport } from '../core/dynamic-import.js';

/** How long a policy module may take to load before validation gives up on it: 10 s. */
export const DEFAULT_MODULE_LOAD_TIMEOUT_MS = 10_000;

/** Options of `loadPolicyModule`. */
export interface PolicyModuleOptions {
  /** Give up after this long (a module whose top-level code never finishes). Default 10 s. */
  readonly timeoutMs?: number;
}

type ModuleRecord = Record<string, unknown>;

const MODULE_FILE = /\.[cm]?[jt]s$/;
const TYPESCRIPT_FILE = /\.[cm]?ts$/;

/**
 * Loads a policy module (its default export, a `definePolicy` value). TypeScript modules load at run time:
 * compiled by the installed command itself (with esbuild, which comes with tsx), natively when a TypeScript
 * loader is active (vitest, a dev checkout), otherwise through tsx's loader API when tsx (an optional peer
 * dependency) is installed.
 * @throws Error with a one-line message when the file cannot be loaded (missing, a syntax error with its
 *   line and column, an exception at load with where it was thrown, no answer within the timeout) or
 *   exports no policy
 */
export async function loadPolicyModule(absolutePath: string, options: PolicyModuleOptions = {}): Promise<AnyPolicyDefinition> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_MODULE_LOAD_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  // The timer also keeps the process alive: a module that awaits forever would otherwise let Node exit
  // (code 13) with nothing said.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish loading within ${describeDuration(timeoutMs)} (does its top-level code wait for something that never comes?)`)), timeoutMs);
  });
  try {
    const mod = await Promise.race([importModule(absolutePath), timeout]);
    if (!isPolicyDefinition(mod['default'])) {
      throw new Error(`the module has ${describeExport(mod)}: its default export must be made with definePolicy({ name, config, monitor, analyze, plan })`);
    }
    return mod['default'];
  } finally {
    clearTimeout(timer);
  }
}

async function importModule(absolutePath: string): Promise<ModuleRecord> {
  if (!MODULE_FILE.test(absolutePath)) throw new Error('a policy module is a .ts or .js file (also .mts, .cts, .mjs, .cjs)');
  // the installed command compiles TypeScript itself (sharing its own homeostat, rxjs and zod with the module)
  const compiled = TYPESCRIPT_FILE.test(absolutePath) && compilesTypeScript();
  try {
    return compiled ? await importTypeScript(absolutePath) : await dynamicImport<ModuleRecord>(pathToFileURL(absolutePath).href);
  } catch (error) {
    if (error instanceof TypeScriptLoaderMissingError) throw error;
    // the module itself, or something it imports ("Cannot find package 'x' imported from <this module>")
    if (codeOf(error) === 'ERR_MODULE_NOT_FOUND') throw new Error(existsSync(absolutePath) ? `cannot load it: ${errorSummary(error)}` : `no such file ${absolutePath}`);
    if (compiled || codeOf(error) !== 'ERR_UNKNOWN_FILE_EXTENSION') throw await loadFailure(error, absolutePath);
  }
  try {
    return await importTypeScript(absolutePath);
  } catch (error) {
    if (error instanceof TypeScriptLoaderMissingError) throw error;
    throw await loadFailure(error, absolutePath);
  }
}

/** Explains why a module failed to load: its syntax error with position, or what it threw and where. */
async function loadFailure(error: unknown, file: string): Promise<Error> {
  const syntax = await findSyntaxError(file);
  if (syntax) return new Error(`syntax error at ${file}:${syntax.line}:${syntax.col}: ${syntax.message}`);
  const compiling = compileProblem(error);
  if (compiling !== undefined) return new Error(`cannot compile it: ${compiling}`);
  const at = thrownAt(error, file);
  const what = errorSummary(error);
  if (error instanceof SyntaxError || /^TransformError$/.test((error as Error | undefined)?.name ?? '')) return new Error(`syntax error: ${what}`);
  return new Error(`threw while loading${at ? ` (at ${file}:${at.line}:${at.col})` : ''}: ${what}`);
}

/** True when a value has the shape `definePolicy` returns. */
export function isPolicyDefinition(value: unknown): value is AnyPolicyDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const config = v['config'] as { safeParse?: unknown } | undefined;
  return typeof v['name'] === 'string' && typeof config?.safeParse === 'function' && ['monitor', 'analyze', 'plan'].every((k) => typeof v[k] === 'function');
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}
