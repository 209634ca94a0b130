// A method a path does not have is 405 with the methods it has in Allow, and OPTIONS says them (204): both
// answered 404 before, as if the path did not exist.
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { TOKENS, apiFixture } from './fixture.js';

describe('methods a path does not have', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api?.close());

  const send = (method: string, route: string, token?: string) => fetch(`${api.url}${route}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers 405 with Allow, and names the method and the allowed ones', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/entities/web', 'GET, HEAD, OPTIONS'],
      ['POST', '/entities', 'GET, HEAD, OPTIONS'],
      ['GET', '/policies/web%2Fautoscaler/suspend', 'OPTIONS, POST'],
      ['GET', '/policies/web%2Fautoscaler/config', 'OPTIONS, PUT'],
      ['PATCH', '/entities/db/effectors/restart', 'OPTIONS, POST'],
      ['PUT', '/entities/db/sensors/demand', 'OPTIONS, POST'],
      ['DELETE', '/decisions', 'GET, HEAD, OPTIONS'],
    ];
    for (const [method, route, allow] of cases) {
      const response = await send(method, route, TOKENS.admin);
      expect(response.status, `${method} ${route}`).toBe(405);
      expect(response.headers.get('allow'), `${method} ${route}`).toBe(allow);
      expect(await response.json()).toEqual({ error: `${method} is not a method of ${route.split('?')[0]}; it has ${allow}`, allow: allow.split(', ') });
    }
  });

  it('answers 405 without a token: the methods of a path are in the public OpenAPI document', async () => {
    const response = await send('DELETE', '/entities/web');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('answers OPTIONS with 204 and Allow, without a token (there is no CORS: no Access-Control headers)', async () => {
    for (const [route, allow] of [['/entities', 'GET, HEAD, OPTIONS'], ['/entities/web', 'GET, HEAD, OPTIONS'], ['/policies/p/config', 'OPTIONS, PUT'], ['/health', 'GET, HEAD, OPTIONS'], ['/entities/web/findings', 'OPTIONS, POST']] as const) {
      const response = await send('OPTIONS', route);
      expect(response.status, route).toBe(204);
      expect(response.headers.get('allow'), route).toBe(allow);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(await response.text()).toBe('');
    }
  });

  it('still answers 404 for a path that does not exist, and the methods a path has as before', async () => {
    expect((await send('DELETE', '/nothing/here', TOKENS.admin)).status).toBe(404);
    expect((await send('OPTIONS', '/nothing/here', TOKENS.admin)).status).toBe(404);
    expect((await send('GET', '/entities/web', TOKENS.viewer)).status).toBe(200);
    expect((await send('GET', '/entities/web')).status).toBe(401);
  });

  it('keeps the added methods out of the OpenAPI document', async () => {
    const doc = (await (await send('GET', '/docs')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/entities/{id}'] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.paths['/policies/{id}/config'] ?? {})).toEqual(['put']);
  });
});

describe('methods a path does not have, in a host app', () => {
  it("answers the plugin's paths under its prefix and leaves the host's own routes as the host has them", async () => {
    const blueprint = await parseBlueprint('name: host\napplication:\n  id: app\n  children:\n    - { id: db, type: sim.database }\n', path.resolve('host.yaml'));
    const deployment = await Deployment.create(blueprint, { scheduler: new VirtualClock() });
    deployment.start();
    const host = Fastify();
    host.get('/orders', async () => []);
    await host.register(homeostatPlugin, { prefix: '/ops/homeostat', deployment });
    const options = await host.inject({ method: 'OPTIONS', url: '/ops/homeostat/entities/db' });
    expect(options.statusCode).toBe(204);
    expect(options.headers['allow']).toBe('GET, HEAD, OPTIONS');
    const refused = await host.inject({ method: 'DELETE', url: '/ops/homeostat/policies' });
    expect(refused.statusCode).toBe(405);
    expect(refused.json()).toEqual({ error: 'DELETE is not a method of /ops/homeostat/policies; it has GET, HEAD, OPTIONS', allow: ['GET', 'HEAD', 'OPTIONS'] });
    expect((await host.inject({ method: 'DELETE', url: '/orders' })).statusCode).toBe(404);
    await host.close();
    await deployment.stop();
  });
});
