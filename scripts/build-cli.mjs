// Bundles the `homeostat` command into dist/cli-bundle. A cold CLI is dominated by loading code: the compiled
// build resolves and compiles hundreds of files and loads rxjs's CommonJS build, which the bundle replaces
// with one script and rxjs's ES module build. Pure-JavaScript dependencies the commands need are bundled; the
// heavy ones that only `run` uses (fastify, pino, Redis, Postgres, OpenTelemetry SDK, tsx) stay external and
// load from node_modules when a command needs them.
// The command is one CommonJS script (command.cjs) so that V8 can compile it from a code cache (Node 20 has
// none for ES modules): main.js loads it through src/cli/command-script.ts, which keeps the compiled code of
// each command's runs (see cached-script.ts). Commands the script does not run stay uncompiled (lazily
// evaluated modules behind their import()).
// The library itself, rxjs and zod are shared with TypeScript policy modules: homeostat.js, rxjs.js,
// rxjs-operators.js and zod.js (listed in shared-modules.json) re-export the script's copies, the ones the
// command runs, so that a policy module imports those instead of loading a second copy from node_modules.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// --out <dir> writes the bundle elsewhere (a test's package layout); by default dist/cli-bundle
const outFlag = process.argv.indexOf('--out');
const out = outFlag > 0 ? path.resolve(process.argv[outFlag + 1] ?? '') : path.join(root, 'dist/cli-bundle');
if (outFlag > 0 && !process.argv[outFlag + 1]) throw new Error('build-cli: --out needs a directory');
const require = createRequire(path.join(root, 'package.json'));

/** Dependencies compiled into the bundle; every other package is imported from node_modules at run time. */
// jose is an ES module only: the script cannot require it (Node before 20.19), so it is bundled too
const BUNDLED = new Set(['rxjs', 'tslib', 'yaml', 'zod', 'commander', 'croner', 'semver', 'parse-prometheus-text-format', '@opentelemetry/api', 'jose']);

const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** rxjs's exports map sends Node to its CommonJS build; the bundle takes the ES module build. */
const rxjsEsm = {
  name: 'rxjs-esm',
  setup(b) {
    const esm = path.join(path.dirname(require.resolve('rxjs/package.json')), 'dist/esm');
    b.onResolve({ filter: /^rxjs(\/operators)?$/ }, (args) => ({ path: path.join(esm, args.path === 'rxjs' ? 'index.js' : 'operators/index.js') }));
  },
};

/** zod's namespace re-exports every message locale; homeostat uses only the default (English). */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';",
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * `import()` has no module loader in a script compiled from the code cache: the script's dynamicImport asks
 * the importer that main.js hands it (its own `import()`, resolving from the same directory).
 */
const DYNAMIC_IMPORT = path.join(root, 'src/core/dynamic-import.ts');
const importThroughLoader = {
  name: 'import-through-loader',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]core[\\/]dynamic-import\.ts$/ }, () => ({
      contents: [
        'let importer;',
        '/** Sets the function that imports for the script (main.js sets its own import()). */',
        'export function useImporter(use) { importer = use; }',
        "export function dynamicImport(specifier) { if (importer === undefined) throw new Error('homeostat: the command script was loaded without an importer'); return importer(specifier); }",
      ].join('\n'),
      loader: 'js',
    }));
  },
};

const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || builtinModules.includes(args.path)) return { path: args.path, external: true };
      // a bundled package's own dependencies are bundled with it: an install hoists only homeostat's
      if (/[\\/]node_modules[\\/]/.test(args.importer)) return undefined;
      return BUNDLED.has(packageName(args.path)) ? undefined : { path: args.path, external: true };
    });
  },
};

/** Packages a policy module shares with the command: import specifier -> the bundle's entry for it. */
const SHARED = { homeostat: 'homeostat', rxjs: 'rxjs', 'rxjs/operators': 'rxjs-operators', zod: 'zod' };
const rxjsDir = path.dirname(require.resolve('rxjs/package.json'));

const sharedEntries = {
  [SHARED.homeostat]: path.join(root, 'src/index.ts'),
  [SHARED.rxjs]: path.join(rxjsDir, 'dist/esm/index.js'),
  [SHARED['rxjs/operators']]: path.join(rxjsDir, 'dist/esm/operators/index.js'),
  [SHARED.zod]: fileURLToPath(import.meta.resolve('zod')),
};
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // less to parse at start-up; identifiers kept so that stack traces stay readable
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
};

// The names each shared package exports, for its re-exporting module: from an ES module build of them (not written).
const analysis = await build({ ...common, entryPoints: sharedEntries, outdir: out, splitting: true, format: 'esm', write: false, metafile: true, plugins: [zodEnglishOnly, rxjsEsm, externalPackages] });
const exportsOf = Object.fromEntries(Object.values(analysis.metafile.outputs).filter((o) => o.entryPoint).map((o) => [Object.keys(sharedEntries).find((k) => path.resolve(sharedEntries[k]) === path.resolve(root, o.entryPoint)), o.exports]));

rmSync(out, { recursive: true, force: true });
const scriptFile = path.join(out, 'command.cjs');
const scriptEntry = [
  `export { main } from ${JSON.stringify(path.join(root, 'src/cli/main.ts'))};`,
  `export { useImporter } from ${JSON.stringify(DYNAMIC_IMPORT)};`,
  `export const shared = { ${Object.entries(SHARED).map(([specifier, entry]) => `${JSON.stringify(specifier)}: () => import(${JSON.stringify(sharedEntries[entry])})`).join(', ')} };`,
].join('\n');
const script = await build({
  ...common,
  metafile: true,
  stdin: { contents: scriptEntry, resolveDir: root, sourcefile: 'command-entry.js', loader: 'js' },
  outfile: scriptFile,
  format: 'cjs',
  // the bundle's modules ask for their own URL (package root, shared-modules.json): the script's
  define: { 'import.meta.url': '__homeostatScriptUrl' },
  banner: { js: "var __homeostatScriptUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [importThroughLoader, zodEnglishOnly, rxjsEsm, externalPackages],
});
// an import() left in the script would fail when it runs (a script has no module loader): every one goes
// through src/core/dynamic-import.ts. The metafile lists those of a literal specifier; the text shows the
// others (the script has no comments), bar the import() in the code that a policy module's compiled text carries.
const scriptText = readFileSync(scriptFile, 'utf8');
const strayImports = [
  ...Object.values(script.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path)),
  ...[...scriptText.matchAll(/(?<![\w$.])import\(/g)].map((m) => scriptText.slice(Math.max(0, m.index - 60), m.index + 40)).filter((around) => !around.includes('__homeostat_import = (specifier) => import(')),
];
if (strayImports.length > 0) throw new Error(`build-cli: import() in the command script (use dynamicImport): ${strayImports.join(' | ')}`);
// main.js reads it as Latin-1 (no UTF-8 decoding): esbuild escapes every other character
if (/[^\x00-\x7f]/.test(scriptText)) throw new Error('build-cli: the command script is not ASCII');
const buildId = createHash('sha256').update(scriptText).digest('hex');

// main.js: the command, from the script (bin/homeostat.js imports it)
const loaderEntry = [
  `import { commandScript } from ${JSON.stringify(path.join(root, 'src/cli/command-script.ts'))};`,
  `const command = commandScript(new URL('./command.cjs', import.meta.url), ${JSON.stringify(buildId)}, (specifier) => import(specifier));`,
  'export const main = command.main;',
  'export const sharedModule = command.sharedModule;',
].join('\n');
await build({ ...common, stdin: { contents: loaderEntry, resolveDir: root, sourcefile: 'main-entry.js', loader: 'js' }, outfile: path.join(out, 'main.js'), format: 'esm', plugins: [externalPackages] });

// a module per shared package, re-exporting the script's copy
for (const [specifier, entry] of Object.entries(SHARED)) {
  const names = exportsOf[entry];
  if (!names?.length) throw new Error(`build-cli: found no exports of ${specifier}`);
  const locals = names.map((name, i) => [`x${i}`, name]);
  writeFileSync(path.join(out, `${entry}.js`), [
    `// ${specifier} as the command's script has it (see scripts/build-cli.mjs)`,
    "import { sharedModule } from './main.js';",
    `const shared = await sharedModule(${JSON.stringify(specifier)});`,
    `const ${locals.map(([local, name]) => `${local} = shared[${JSON.stringify(name)}]`).join(', ')};`,
    `export { ${locals.map(([local, name]) => `${local} as ${JSON.stringify(name)}`).join(', ')} };`,
    '',
  ].join('\n'));
}
writeFileSync(path.join(out, 'shared-modules.json'), `${JSON.stringify(Object.fromEntries(Object.entries(SHARED).map(([name, entry]) => [name, `./${entry}.js`])), null, 2)}\n`);
if (!process.argv.includes('--quiet')) console.log('command bundled in dist/cli-bundle');
