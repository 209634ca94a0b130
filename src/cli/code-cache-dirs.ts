import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Subdirectory of a cache root that holds the command's compiled code. */
const SUBDIR = 'homeostat-cli';

/**
 * Where the compiled code of the command at `scriptFile` may be kept, best first: node_modules/.cache of the
 * install that holds it (the project's, or the checkout's; removed with node_modules), then the user's cache
 * directory ($XDG_CACHE_HOME or ~/.cache) for an install nobody but its owner can write to (a global one).
 * Each is private to whoever can already change the command itself, or to the user.
 */
export function codeCacheDirs(scriptFile: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  const install = installCacheDir(path.dirname(scriptFile));
  if (install !== undefined) dirs.push(install);
  const home = env['XDG_CACHE_HOME'] || safeHomedir();
  if (home !== undefined) dirs.push(path.join(home, env['XDG_CACHE_HOME'] ? '' : '.cache', SUBDIR));
  return dirs;
}

/** node_modules/.cache/homeostat-cli of the nearest node_modules at or above `dir`, if any. */
function installCacheDir(dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    if (path.basename(at) === 'node_modules') return path.join(at, '.cache', SUBDIR);
    if (existsSync(path.join(at, 'node_modules'))) return path.join(at, 'node_modules', '.cache', SUBDIR);
    if (path.dirname(at) === at) return undefined;
  }
}

function safeHomedir(): string | undefined {
  try {
    return os.homedir() || undefined;
  } catch {
    return undefined;
  }
}
