import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describeError } from '../core/errors.js';
import { compileProblem } from './compile-problem.js';
import { compilesTypeScript, importTypeScript } from './import-typescript.js';
import { dynamicImport } from '../core/dynamic-import.js';

/**
 * Imports a module named by a blueprint. TypeScript is compiled by the installed command itself, loads
 * natively when a TypeScript loader is active (a dev checkout, vitest), otherwise through tsx's loader API.
 * @throws Error with a one-line message when the file cannot be found or loaded
 */
export async function importModule(absolutePath: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(absolutePath).href;
  // the installed command compiles TypeScript itself (sharing its own homeostat, rxjs and zod with the module)
  const compiled = /\.[cm]?ts$/.test(absolutePath) && compilesTypeScript();
  try {
    return compiled ? await importTypeScript(absolutePath) : await dynamicImport(url);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // the module itself, not something it imports ("Cannot find package 'x' imported from <this module>")
    if (code === 'ERR_MODULE_NOT_FOUND' && !existsSync(absolutePath)) throw new Error(`no such file ${absolutePath}`);
    if (compiled || code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw new Error(`cannot load it: ${compileProblem(error) ?? firstLine(describeError(error))}`);
    try {
      return await importTypeScript(absolutePath);
    } catch (inner) {
      throw new Error(`cannot load it: ${firstLine(describeError(inner))}`);
    }
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
