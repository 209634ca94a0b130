import { fileURLToPath } from 'node:url';
import { loadCachedScript, type CachedScript } from './cached-script.js';
import { codeCacheDirs } from './code-cache-dirs.js';
import type { Io } from './validate-command.js';

/** What the command's CommonJS script (dist/cli-bundle/command.cjs) exports. */
export interface CommandScriptExports {
  /** The `homeostat` command (see main.ts). */
  readonly main: (argv: readonly string[], io?: Io) => Promise<number>;
  /** Sets the function that imports for the script (its dynamicImport: the script has no module loader). */
  readonly useImporter: (importer: (specifier: string) => Promise<unknown>) => void;
  /** The packages a policy module shares with the command (`homeostat`, `rxjs`, `rxjs/operators`, `zod`): their module namespaces. */
  readonly shared: Readonly<Record<string, () => Promise<Record<string, unknown>>>>;
}

/** The command's script, loaded on first use, and the packages it shares with policy modules. */
export interface CommandScript {
  /** Runs the command (see main.ts) and then keeps the code it compiled for the next run of the same command. */
  readonly main: (argv: readonly string[], io?: Io) => Promise<number>;
  /** The script's copy of a shared package (the one the command itself uses), by import specifier. */
  readonly sharedModule: (specifier: string) => Promise<Record<string, unknown>>;
}

/** Environment variable that turns the command's code cache off when set to `off` (nothing read, nothing written). */
export const CODE_CACHE_ENV = 'HOMEOSTAT_CODE_CACHE';

const COMMANDS = new Set(['validate', 'simulate', 'init', 'run']);

/**
 * The command of the bundle, from its CommonJS script compiled with V8's code cache (see loadCachedScript):
 * a cold `homeostat validate` spends most of its own time compiling the bundle otherwise. Each command keeps
 * a cache of its own (the code its runs compiled); a shared package asked for before any command runs loads
 * the script under the purpose `library`.
 * @param scriptUrl the script, next to the module that calls this (so that `import()` in it resolves the same)
 * @param buildId the build's hash of the script
 * @param dynamicImport `import()` of the caller, which sits next to the script (so that package names resolve the same)
 */
export function commandScript(scriptUrl: URL, buildId: string, dynamicImport: (specifier: string) => Promise<unknown>): CommandScript {
  const file = fileURLToPath(scriptUrl);
  let script: CachedScript<CommandScriptExports> | undefined;
  const load = (purpose: string): CachedScript<CommandScriptExports> => {
    if (script === undefined) {
      script = loadCachedScript<CommandScriptExports>(file, { buildId, purpose, cacheDirs: process.env[CODE_CACHE_ENV] === 'off' ? [] : codeCacheDirs(file) });
      script.exports.useImporter(dynamicImport);
    }
    return script;
  };
  return {
    main: async (argv, io) => {
      const command = argv[2];
      const loaded = load(command !== undefined && COMMANDS.has(command) ? command : 'other');
      // `run` ends the process from inside the command (a signal, a fatal error): the code is kept then too
      // (creating and writing the cache is synchronous, as an exit listener must be)
      const saveOnExit = (): void => loaded.save();
      process.once('exit', saveOnExit);
      try {
        return await loaded.exports.main(argv, io);
      } finally {
        process.removeListener('exit', saveOnExit);
        loaded.save();
      }
    },
    sharedModule: async (specifier) => {
      const share = load('library').exports.shared[specifier];
      if (share === undefined) throw new Error(`the command shares no package '${specifier}'`);
      return share();
    },
  };
}
