import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';

/**
 * esbuild, which compiles TypeScript policy modules for the command, or undefined when it is not installed.
 * It comes with tsx (the optional peer dependency a TypeScript policy module needs). Looked for where
 * homeostat resolves packages, then from the module's own directory (a command installed elsewhere, as
 * `npx` runs it, with tsx in the project), each directly and next to tsx (a strict layout such as pnpm's
 * does not hoist it).
 */
export async function loadEsbuild(modulePath: string): Promise<typeof Esbuild | undefined> {
  try {
    return (await import('esbuild')) as typeof Esbuild;
  } catch {
    // not resolvable from homeostat: look further
  }
  const fromHomeostat = createRequire(import.meta.url);
  const fromModule = createRequire(pathToFileURL(modulePath));
  for (const require of [fromHomeostat, fromModule]) {
    for (const via of [undefined, 'tsx/package.json']) {
      try {
        const resolver = via === undefined ? require : createRequire(require.resolve(via));
        return resolver('esbuild') as typeof Esbuild;
      } catch {
        // not there: the next place
      }
    }
  }
  return undefined;
}

/**
 * The version of the esbuild loadEsbuild would load, read from its package.json without loading it (a cached
 * module is reused without esbuild), or undefined when it is not installed.
 */
export function esbuildVersion(modulePath: string): string | undefined {
  const fromHomeostat = createRequire(import.meta.url);
  const fromModule = createRequire(pathToFileURL(modulePath));
  for (const require of [fromHomeostat, fromModule]) {
    for (const via of [undefined, 'tsx/package.json']) {
      try {
        const resolver = via === undefined ? require : createRequire(require.resolve(via));
        return (JSON.parse(readFileSync(resolver.resolve('esbuild/package.json'), 'utf8')) as { version?: string }).version;
      } catch {
        // not there: the next place
      }
    }
  }
  return undefined;
}
