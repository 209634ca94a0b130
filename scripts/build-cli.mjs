// Bundles the `homeostat` command into dist/cli-bundle: one ES module for start-up plus a chunk per command
// (imported when the command runs) and chunks they share. A cold CLI is dominated by module loading: the
// compiled build resolves and compiles hundreds of files and loads rxjs's CommonJS build, which the bundle
// replaces with a few files and rxjs's ES module build. Pure-JavaScript dependencies the commands need at
// start are bundled; the heavy ones that only `run` uses (fastify, pino, Redis, Postgres, OpenTelemetry SDK,
// tsx) stay external and load from node_modules when a command imports them.
// The library itself, rxjs and zod are entries of the bundle too (homeostat.js, rxjs.js, rxjs-operators.js,
// zod.js, listed in shared-modules.json): a TypeScript policy module that the command loads imports these
// copies, the ones the command already runs, instead of loading a second copy of each from node_modules.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
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
const BUNDLED = new Set(['rxjs', 'tslib', 'yaml', 'zod', 'commander', 'croner', 'semver', 'parse-prometheus-text-format', '@opentelemetry/api']);

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

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: {
    main: path.join(root, 'src/cli/main.ts'),
    [SHARED.homeostat]: path.join(root, 'src/index.ts'),
    [SHARED.rxjs]: path.join(rxjsDir, 'dist/esm/index.js'),
    [SHARED['rxjs/operators']]: path.join(rxjsDir, 'dist/esm/operators/index.js'),
    [SHARED.zod]: fileURLToPath(import.meta.resolve('zod')),
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // bundled CommonJS (commander, semver) calls require for Node's built-ins
  banner: { js: "import { createRequire as __homeostatCreateRequire } from 'node:module'; const require = __homeostatCreateRequire(import.meta.url);" },
  // less to parse at start-up; identifiers kept so that stack traces stay readable
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  plugins: [zodEnglishOnly, rxjsEsm, externalPackages],
  logLevel: 'warning',
});
writeFileSync(path.join(out, 'shared-modules.json'), `${JSON.stringify(Object.fromEntries(Object.entries(SHARED).map(([name, entry]) => [name, `./${entry}.js`])), null, 2)}\n`);
if (!process.argv.includes('--quiet')) console.log('command bundled in dist/cli-bundle');
