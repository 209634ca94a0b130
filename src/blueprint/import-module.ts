import { pathToFileURL } from 'node:url';
import { describeError } from '../core/errors.js';

/**
 * Imports a module named by a blueprint. TypeScript loads natively when a TypeScript loader is active (the
 * CLI, vitest), otherwise through tsx's loader API.
 * @throws Error with a one-line message when the file cannot be found or loaded
 */
export async function importModule(absolutePath: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(absolutePath).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && describeError(error).includes(absolutePath)) throw new Error(`no such file ${absolutePath}`);
    if (code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw new Error(`cannot load it: ${firstLine(describeError(error))}`);
    try {
      const { tsImport } = await import('tsx/esm/api');
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    } catch (inner) {
      throw new Error(`cannot load it: ${firstLine(describeError(inner))}`);
    }
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
