import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `homeostat` command's bundle (dist/cli-bundle), as seen from code running inside it: the packages it
 * carries that a policy module may share with it (the library, rxjs, zod), listed by the build in
 * shared-modules.json next to the bundle's files.
 */
export interface CommandBundle {
  /** The installed package's root directory (real path): its package.json, dist/ and node_modules/. */
  readonly packageRoot: string;
  /** Import specifier (`homeostat`, `rxjs`, `rxjs/operators`, `zod`) -> file URL of the bundle's copy. */
  readonly shared: ReadonlyMap<string, string>;
  /** Changes with every build: part of the key under which compiled modules are cached. */
  readonly buildId: string;
}

const MANIFEST = 'shared-modules.json';

let memo: { readonly bundle: CommandBundle | undefined } | undefined;

/**
 * The command bundle this code runs from, or undefined when it runs from the sources (tsx, vitest) or from
 * the compiled library (dist/), where no manifest sits next to the module.
 * @throws Error when the manifest exists but is not a JSON object of strings (a broken build)
 */
export function commandBundle(): CommandBundle | undefined {
  memo ??= { bundle: readBundle(new URL(MANIFEST, import.meta.url)) };
  return memo.bundle;
}

function readBundle(manifestUrl: URL): CommandBundle | undefined {
  let text: string;
  try {
    text = readFileSync(manifestUrl, 'utf8');
  } catch {
    return undefined;
  }
  const manifestPath = fileURLToPath(manifestUrl);
  const entries: unknown = JSON.parse(text);
  if (typeof entries !== 'object' || entries === null || Object.values(entries).some((v) => typeof v !== 'string')) {
    throw new Error(`${manifestPath}: expected an object of import specifier -> bundle file; rebuild with npm run build`);
  }
  const shared = new Map(Object.entries(entries as Record<string, string>).map(([specifier, file]) => [specifier, new URL(file, manifestUrl).href]));
  // dist/cli-bundle/ -> the package root, through symlinks (an install may link the package in)
  const packageRoot = path.resolve(realpathSync(path.dirname(manifestPath)), '../..');
  return { packageRoot, shared, buildId: `${manifestPath}@${statSync(manifestPath).mtimeMs}` };
}
