import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';
import { dynamicImport } from '../core/dynamic-import.js';

/**
 * esbuild, which compiles TypeScript policy modules for the command, or undefined when it is not installed.
 * It comes with tsx (the optional peer dependency a TypeScript policy module needs). Looked for where
 * homeostat resolves packages, then from the module's own directory (a command installed elsewhere, as
 * `npx` runs it, with tsx in the project), each directly and next to tsx (a strict layout such as pnpm's
 * does not hoist it).
 */
export async function loadEsbuild(modulePath: string): Promise<typeof Esbuild | undefined> {
  try {
    return await dynamicImport<typeof Esbuild>('esbuild');
  } catch {
    // not resolvable from homeostat: look further
  }
  return fromFirstPlace(modulePath, (require) => require('esbuild') as typeof Esbuild);
}

/**
 * The version of the esbuild loadEsbuild would load, read from its package.json without loading it (a cached
 * module is reused without esbuild), or undefined when it is not installed.
 */
export function esbuildVersion(modulePath: string): string | undefined {
  return fromFirstPlace(modulePath, (require) => (JSON.parse(readFileSync(require.resolve('esbuild/package.json'), 'utf8')) as { version?: string }).version);
}

/**
 * `use` applied with the first place esbuild may be found that does not throw: homeostat's own resolution,
 * then the module's directory, each directly and next to tsx. Undefined when every place throws.
 */
function fromFirstPlace<T>(modulePath: string, use: (require: NodeRequire) => T): T | undefined {
  for (const require of [createRequire(import.meta.url), createRequire(pathToFileURL(modulePath))]) {
    for (const via of [undefined, 'tsx/package.json']) {
      try {
        return use(via === undefined ? require : createRequire(require.resolve(via)));
      } catch {
        // not there: the next place
      }
    }
  }
  return undefined;
}
