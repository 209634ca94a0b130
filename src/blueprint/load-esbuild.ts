import { createRequire } from 'node:module';
import type * as Esbuild from 'esbuild';

/**
 * esbuild, which compiles TypeScript policy modules for the command, or undefined when it is not installed.
 * It comes with tsx (the optional peer dependency a TypeScript policy module needs): found where homeostat
 * resolves packages, else next to tsx (a strict layout such as pnpm's does not hoist it).
 */
export async function loadEsbuild(): Promise<typeof Esbuild | undefined> {
  try {
    return (await import('esbuild')) as typeof Esbuild;
  } catch {
    // not resolvable from homeostat: try tsx's own dependency
  }
  try {
    const tsxManifest = import.meta.resolve('tsx/package.json');
    return createRequire(tsxManifest)('esbuild') as typeof Esbuild;
  } catch {
    return undefined;
  }
}
