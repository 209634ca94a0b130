// The console's static routes, embedded in a host app under a prefix, and what they say when the
// assets were never built.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { consoleRoutes } from '../../src/server/ui/console-routes.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { ensureConsoleBuilt } from './console-fixture.js';

let deployment: Deployment;

beforeAll(async () => {
  ensureConsoleBuilt();
  const blueprint = await parseBlueprint('name: tiny\napplication:\n  id: app\n', path.resolve('tiny.yaml'));
  deployment = await Deployment.create(blueprint, { scheduler: new VirtualClock() });
  deployment.start();
});

afterAll(() => deployment.stop());

describe('console routes', () => {
  it('serve the console under the host app prefix, without a token, and keep the API behind one', async () => {
    const app = Fastify();
    await app.register(homeostatPlugin, { prefix: '/ops/homeostat', deployment, auth: { tokens: [{ token: 'a-token-of-16-chars-x', name: 'ops', role: 'viewer' }] } });
    const page = await app.inject({ url: '/ops/homeostat/ui/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<script type="module" src="main.js">');
    expect((await app.inject({ url: '/ops/homeostat/ui' })).headers.location).toBe('/ops/homeostat/ui/');
    expect((await app.inject({ url: '/ops/homeostat/ui/main.js' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/ops/homeostat/ui/index.html/..%2F..%2Fpackage.json' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/ops/homeostat/entities' })).statusCode).toBe(401);
    await app.close();
  });

  it('say how to build the console when its assets are missing, and serve only the known file types', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'console-'));
    await writeFile(path.join(empty, 'secret.env'), 'TOKEN=x');
    const app = Fastify();
    await app.register(async (scoped) => consoleRoutes(scoped, { dir: empty }));
    const page = await app.inject({ url: '/ui/' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('npm run build');
    expect((await app.inject({ url: '/ui/secret.env' })).statusCode).toBe(404);
    await app.close();
    await rm(empty, { recursive: true });
  });
});
