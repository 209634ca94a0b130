// Every method a path does not have is a 405 with Allow, whichever it is: TRACE and QUERY (which fastify routes
// by default) in an embedding host, and in the standalone service also those fastify routes only when told
// (PROPFIND, LOCK...). The console's paths answer the same way. CONNECT is never routed (Node.js hands it to
// the server's connect event), and is left out.
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { TOKENS, apiFixture } from './fixture.js';

/** Sends `method` to `url` (http.request: fetch refuses TRACE); its status, Allow and body. */
function send(url: string, method: string, token?: string): Promise<{ status: number; allow: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers: token ? { authorization: `Bearer ${token}` } : {} }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, allow: response.headers['allow'], body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Every method Node.js parses but those of /entities/:id (GET, HEAD, OPTIONS) and CONNECT. */
const OTHERS = http.METHODS.filter((m) => !['GET', 'HEAD', 'OPTIONS', 'CONNECT'].includes(m));

describe('the standalone service and any method a path does not have', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api?.close());

  it('answers each with 405, Allow and a body naming it, with or without a token', async () => {
    expect(OTHERS).toEqual(expect.arrayContaining(['TRACE', 'QUERY', 'PROPFIND', 'MKCOL', 'LOCK', 'SEARCH', 'M-SEARCH', 'DELETE']));
    for (const method of OTHERS) {
      for (const token of [TOKENS.admin, undefined]) {
        const answer = await send(`${api.url}/entities/web`, method, token);
        expect(answer.status, method).toBe(405);
        expect(answer.allow, method).toBe('GET, HEAD, OPTIONS');
        expect(JSON.parse(answer.body), method).toEqual({ error: `${method} is not a method of /entities/web; it has GET, HEAD, OPTIONS`, allow: ['GET', 'HEAD', 'OPTIONS'] });
      }
    }
  });

  it('answers the console paths the same way: 405 for another method, 204 with Allow for OPTIONS', async () => {
    for (const route of ['/ui', '/ui/', '/ui/main.js']) {
      const posted = await send(`${api.url}${route}`, 'POST');
      expect(posted.status, route).toBe(405);
      expect(posted.allow, route).toBe('GET, HEAD, OPTIONS');
      const traced = await send(`${api.url}${route}`, 'TRACE');
      expect(traced.status, route).toBe(405);
      const options = await send(`${api.url}${route}`, 'OPTIONS');
      expect(options.status, route).toBe(204);
      expect(options.allow, route).toBe('GET, HEAD, OPTIONS');
    }
  });

  it('answers 405 before reading a body: a QUERY with no Content-Type, a POST of a type no parser takes', async () => {
    const xml = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${api.url}/entities/web`, { method: 'POST', headers: { 'content-type': 'application/xml' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end('<a/>');
    });
    expect(xml).toBe(405);
    expect((await send(`${api.url}/entities/web`, 'QUERY')).status).toBe(405);
  });

  it('still answers 404 for a path that does not exist, whatever the method', async () => {
    for (const method of ['TRACE', 'PROPFIND', 'GET']) expect((await send(`${api.url}/nothing/here`, method, TOKENS.admin)).status, method).toBe(404);
  });
});

describe('the plugin in a host app and methods fastify routes by default', () => {
  let app: FastifyInstance;
  let deployment: Deployment;
  let url: string;
  beforeAll(async () => {
    deployment = await Deployment.create(await parseBlueprint('name: m\napplication:\n  id: app\n  children:\n    - id: web\n', path.resolve('m.yaml')), { scheduler: new VirtualClock() });
    deployment.start();
    app = Fastify();
    await app.register(homeostatPlugin, { deployment, prefix: '/ops', docs: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}/ops`;
  });
  afterAll(async () => {
    await app.close();
    await deployment.stop();
  });

  it('answers TRACE and QUERY with 405 and Allow; a method the host does not route stays fastify\'s 404', async () => {
    for (const method of ['TRACE', 'QUERY']) {
      const answer = await send(`${url}/entities/web`, method);
      expect(answer.status, method).toBe(405);
      expect(answer.allow, method).toBe('GET, HEAD, OPTIONS');
    }
    // the host decides which methods its app routes (app.addHttpMethod): the plugin does not change that
    expect((await send(`${url}/entities/web`, 'PROPFIND')).status).toBe(404);
  });
});
