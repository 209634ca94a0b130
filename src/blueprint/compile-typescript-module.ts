import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';
import type { CommandBundle } from './command-bundle.js';
import { nearestTsconfig } from './nearest-tsconfig.js';
import { tsconfigChain } from './tsconfig-extends.js';
import { literalRanges, replaceInCode } from './code-outside-literals.js';

/** A TypeScript module compiled to one ES module, and the source files that went into it. */
export interface CompiledModule {
  /** ES module text, with an inline source map (stack traces name the original files and lines). */
  readonly code: string;
  /**
   * Absolute paths of every file it was compiled from: the module, the local files it imports and the
   * nearest tsconfig.json (or jsconfig.json) of each, whose settings (paths, decorators) esbuild applies,
   * with every configuration it `extends`.
   */
  readonly inputs: readonly string[];
  /** The version of esbuild that compiled it. */
  readonly compiler: string;
}

/** Marks the plugin's own nested resolution, so that it does not intercept itself. */
const NESTED = Symbol('nested resolution');

/** Files whose `import.meta.url` (and dirname, filename) must keep naming the original file. */
const LOCAL_SOURCE = /\.[cm]?[jt]sx?$/;
/**
 * `import.meta.url`, `dirname`, `filename` or `resolve` (a relative specifier resolves from the module's own
 * file), the property named by group 1; or `import(` of a computed specifier (a literal one is compiled in by
 * esbuild). One pattern, so that the code is rewritten in one pass over the literal ranges of the source.
 */
const IMPORT_META_OR_IMPORT = /\bimport\.meta\.(url|dirname|filename|resolve)\b|(?<![.\w$])import\s*\((?=\s*[^\s'"`])/g;
const USES_LOCATION = /\bimport\.meta\.(url|dirname|filename|resolve)\b|(?<![.\w$])import\s*\(\s*[^\s'"`]/;

/**
 * Compiles a TypeScript module with esbuild into one ES module written for `outfile`: the module and its
 * relative imports (TypeScript or not) are compiled in; packages stay imports, by absolute URL of the file
 * Node would load from the module's own directory. `homeostat`, `rxjs` and `zod` are imported from the
 * command's bundle instead when they resolve to the very install the command runs from (the same copy, so
 * no second library, and the same version); a module of a project with its own install keeps its own.
 * @throws esbuild's error (with `errors[].location`) when the module or a file it imports does not compile
 *   or an import does not resolve
 */
export async function compileTypeScriptModule(esbuild: typeof Esbuild, entry: string, outfile: string, bundle: CommandBundle): Promise<CompiledModule> {
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    write: false,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Node's own conditions: esbuild adds `module` when none are given
    conditions: [],
    sourcemap: 'inline',
    sourcesContent: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [packagesFromNodeModules(bundle), keepImportMeta()],
  });
  const code = result.outputFiles?.[0]?.text;
  if (code === undefined) throw new Error(`esbuild wrote no module for ${entry}`);
  const sources = Object.keys(result.metafile?.inputs ?? {}).map((input) => path.resolve(input));
  return { code, inputs: [...new Set([...sources, ...sources.flatMap(nearestTsconfig).flatMap(tsconfigChain)])], compiler: esbuild.version };
}

/** Keeps package imports as imports (by absolute URL), sharing the command's copies where they are the same install. */
function packagesFromNodeModules(bundle: CommandBundle): Esbuild.Plugin {
  return {
    name: 'packages-from-node-modules',
    setup(build) {
      /** Where a specifier resolves from `resolveDir` (Node's resolution: exports, conditions). */
      const resolve = (specifier: string, resolveDir: string, kind: Esbuild.ImportKind): Promise<Esbuild.ResolveResult> =>
        build.resolve(specifier, { kind, resolveDir, pluginData: NESTED });
      const commandsOwn = new Map<string, Promise<string | undefined>>();
      /** The file the command's own package resolves a dependency to, once per build. */
      const commandResolves = (specifier: string): Promise<string | undefined> => {
        let found = commandsOwn.get(specifier);
        if (!found) {
          found = resolve(specifier, bundle.packageRoot, 'import-statement').then((r) => (r.errors.length === 0 ? r.path : undefined));
          commandsOwn.set(specifier, found);
        }
        return found;
      };
      /** True when `resolved` is the command's own copy of `specifier`: the very install it runs from. */
      const isCommandsOwn = async (specifier: string, resolved: string): Promise<boolean> => {
        // homeostat itself: its build or, through a tsconfig `paths` mapping, its sources
        if (specifier === 'homeostat') return isInside(resolved, bundle.packageRoot) && !isInside(resolved, path.join(bundle.packageRoot, 'node_modules'));
        return resolved === (await commandResolves(specifier));
      };
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === NESTED) return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const resolved = await resolve(args.path, args.resolveDir, args.kind);
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const sharedUrl = bundle.shared.get(args.path);
        if (sharedUrl !== undefined && (await isCommandsOwn(args.path, resolved.path))) return { path: sharedUrl, external: true };
        // a workspace package shipped as TypeScript: Node cannot load it, so it is compiled in
        if (/\.[cm]?tsx?$/.test(resolved.path) && !resolved.path.endsWith('.d.ts')) return { path: resolved.path };
        return { path: pathToFileURL(resolved.path).href, external: true };
      });
    },
  };
}

/**
 * Keeps `import.meta.url`, `import.meta.dirname` and `import.meta.filename` naming each original file (a
 * module that reads a file next to itself), not the compiled one, and `import()` of a specifier computed at
 * run time and `import.meta.resolve` resolving a relative one from it. Declared on the file's first line, so that
 * line numbers stay those of the source.
 */
function keepImportMeta(): Esbuild.Plugin {
  return {
    name: 'keep-import-meta',
    setup(build) {
      build.onLoad({ filter: LOCAL_SOURCE }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!USES_LOCATION.test(source)) return undefined;
        const url = pathToFileURL(args.path).href;
        const values: Record<string, string> = { url, dirname: path.dirname(args.path), filename: args.path };
        const declared = Object.entries(values).map(([key, value]) => `const __homeostat_import_meta_${key} = ${JSON.stringify(value)};`).join(' ');
        // a relative specifier ('./x', '../x', '.' or '..') computed at run time resolves from the original file, as Node would
        const importer = `const __homeostat_import = (specifier) => import(/^\\.\\.?(\\/|$)/.test(String(specifier)) ? new URL(String(specifier), ${JSON.stringify(url)}).href : specifier);`;
        const resolver = `const __homeostat_import_meta_resolve = (specifier, ...rest) => /^\\.\\.?(\\/|$)/.test(String(specifier)) ? new URL(String(specifier), ${JSON.stringify(url)}).href : import.meta.resolve(specifier, ...rest);`;
        // code only: the same words in a string, a comment or a template's text are left as written (JSX text,
        // which may hold quotes, cannot be told from code this way: there every match is rewritten)
        const literals = /x$/.test(args.path) ? undefined : literalRanges(source);
        const rewritten = replaceInCode(
          source,
          IMPORT_META_OR_IMPORT,
          (match, key) => (key !== undefined && key !== '' ? `__homeostat_import_meta_${key}` : '__homeostat_import('),
          literals,
        );
        const contents = `${declared} ${importer} ${resolver} ${rewritten}`;
        return { contents, loader: loaderOf(args.path), resolveDir: path.dirname(args.path) };
      });
    },
  };
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function loaderOf(file: string): Esbuild.Loader {
  const ext = path.extname(file);
  if (ext === '.tsx' || ext === '.jsx') return ext.slice(1) as Esbuild.Loader;
  return /^\.[cm]?ts$/.test(ext) ? 'ts' : 'js';
}
