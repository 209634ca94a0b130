// Bundles the console (ui/src) into static files in dist/ui: one script, one stylesheet and the page,
// shipped in the npm package and served by the fastify plugin at /ui. No network at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here('../dist/ui/');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [here('./src/main.tsx'), here('./src/styles.css')],
  outdir: out,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(here('./index.html'), `${out}index.html`);
const size = (f) => statSync(`${out}${f}`).size;
if (!process.argv.includes('--quiet')) {
  console.log(`console built in dist/ui: main.js ${size('main.js')} B, styles.css ${size('styles.css')} B, index.html ${size('index.html')} B`);
}
