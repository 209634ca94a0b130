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
  // a relative $XDG_CACHE_HOME is ignored, as the XDG spec says (it would put the cache in the working directory)
  const xdg = env['XDG_CACHE_HOME'];
  const userCache = xdg && path.isAbsolute(xdg) ? xdg : withHome((home) => path.join(home, '.cache'));
  if (userCache !== undefined) dirs.push(path.join(userCache, SUBDIR));
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

/** `within(home)` for the user's home directory, or undefined when there is none. */
function withHome(within: (home: string) => string): string | undefined {
  try {
    const home = os.homedir();
    return home ? within(home) : undefined;
  } catch {
    return undefined;
  }
}
