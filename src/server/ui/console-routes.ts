import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../../core/package-root.js';

/**
 * Where `npm run build` writes the console: `dist/ui` of the package, from src/ (tsx), dist/ and the CLI
 * bundle alike (with a trailing separator).
 */
export const CONSOLE_ASSETS_DIR = path.join(packageRoot(import.meta.url), 'dist', 'ui') + path.sep;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.map': 'application/json',
};

// the console loads only its own files and talks only to its own origin: no CDN, no third party
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** Reads the built files once (they are small); a file not in this map is never served. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (type) assets.set(name, { body: readFileSync(path.join(dir, name)), type });
  }
  return assets;
}

/** Options of the console routes. */
export interface ConsoleRoutesOptions {
  /** The built assets; default {@link CONSOLE_ASSETS_DIR}. */
  readonly dir?: string;
}

/**
 * The web console at `/ui` (under the plugin's prefix): static files built at package build time, served
 * without auth (they hold no data: the page asks for a token and sends it to the API as a bearer token).
 * When the assets are missing (a checkout that was never built), `/ui` says how to build them.
 */
export async function consoleRoutes(app: FastifyInstance, options: ConsoleRoutesOptions = {}): Promise<void> {
  const assets = loadAssets(options.dir ?? CONSOLE_ASSETS_DIR);
  const index = assets.get('index.html');
  const hide = { schema: { hide: true } };
  app.get('/ui', hide, async (request, reply) => {
    // relative asset URLs resolve against /ui/, so send the directory form: the route's own path (prefix
    // included), never the request target's, which in absolute form (`GET http://evil.example/ui`) names
    // another origin
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    return reply.redirect(`${request.routeOptions.url ?? `${app.prefix}/ui`}/${query}`);
  });
  app.get('/ui/', hide, async (_request, reply) => {
    if (!index) return reply.code(503).type('text/plain; charset=utf-8').send('the console is not built: run `npm run build` in the homeostat package\n');
    return reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' }).type(index.type).send(index.body);
  });
  app.get<{ Params: { file: string } }>('/ui/:file', hide, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) return reply.code(404).send({ error: `no console file '${request.params.file}'` });
    return reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' }).type(asset.type).send(asset.body);
  });
}
