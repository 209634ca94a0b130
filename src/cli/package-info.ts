import { readFileSync } from 'node:fs';

/** The parts of homeostat's own package.json the CLI reads. */
export interface PackageInfo {
  readonly version: string;
  /** Every dependency range the package names (dependencies, peers, dev), by package name. */
  readonly ranges: ReadonlyMap<string, string>;
}

let cached: PackageInfo | undefined;

/**
 * homeostat's package.json: two levels above this file both in the sources (src/cli) and in the build
 * (dist/cli), so the same relative URL works for a checkout and for an installed package.
 * @throws Error when the file is missing or not JSON (a broken install)
 */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  const json = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const ranges = new Map(Object.entries({ ...json.devDependencies, ...json.peerDependencies, ...json.dependencies }));
  cached = { version: typeof json.version === 'string' ? json.version : '0.0.0', ranges };
  return cached;
}
