import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of homeostat's own package.json, found by walking up from a module's URL: the same answer
 * from the sources (src/...), the compiled build (dist/...) and the CLI bundle (dist/cli-bundle/...), which
 * sit at different depths below it, and from an installed copy (node_modules/homeostat).
 * @param moduleUrl `import.meta.url` of the asking module
 * @throws Error naming the start directory when no package.json is found above it (a broken install)
 */
export function packageRoot(moduleUrl: string): string {
  const start = path.dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json in ${start} or any directory above it: is homeostat installed whole?`);
  }
}
