import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../core/package-root.js';

/** The parts of homeostat's own package.json the CLI reads. */
export interface PackageInfo {
  readonly version: string;
  /** Every dependency range the package names (dependencies, peers, dev), by package name. */
  readonly ranges: ReadonlyMap<string, string>;
}

let cached: PackageInfo | undefined;

/**
 * homeostat's package.json: the first one above this file, from the sources (src/cli), the build (dist/cli)
 * and the CLI bundle (dist/cli-bundle) alike, in a checkout and in an installed package.
 * @throws Error when the file is missing or not JSON (a broken install)
 */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  const json = JSON.parse(readFileSync(path.join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as {
    version?: unknown;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const ranges = new Map(Object.entries({ ...json.devDependencies, ...json.peerDependencies, ...json.dependencies }));
  cached = { version: typeof json.version === 'string' ? json.version : '0.0.0', ranges };
  return cached;
}
