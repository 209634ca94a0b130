import { existsSync } from 'node:fs';
import path from 'node:path';

const CONFIG_NAMES = ['tsconfig.json', 'jsconfig.json'];

/**
 * The tsconfig.json (or else jsconfig.json) esbuild applies to `file`: the nearest above it, as a list of
 * one, or an empty list when there is none.
 */
export function nearestTsconfig(file: string): string[] {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const found = CONFIG_NAMES.map((name) => path.join(dir, name)).find((candidate) => existsSync(candidate));
    if (found !== undefined) return [found];
    if (path.dirname(dir) === dir) return [];
  }
}
