// `/ui` redirects to `/ui/` by the route's own path: a request target in absolute form, which names another
// origin, never makes the Location point there (an open redirect).
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleRoutes } from '../../src/server/ui/console-routes.js';

let app: FastifyInstance | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true });
  app = undefined;
  dir = undefined;
});

/** The console routes under `prefix` on a real server (no assets: the redirect needs none); its port. */
async function start(prefix: string): Promise<number> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'console-'));
  const assets = dir;
  app = Fastify();
  await app.register(async (scoped) => consoleRoutes(scoped, { dir: assets }), { prefix });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as net.AddressInfo).port;
}

/** Sends `target` as the request target of a GET, as written; the answer's status line and Location. */
function get(port: number, target: string): Promise<{ status: string; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: text.split('\r\n')[0] ?? '', location: /\r\nlocation: ([^\r]*)\r\n/i.exec(text)?.[1] }));
  });
}

describe('/ui redirect', () => {
  it.each([
    ['', 'http://evil.example/ui', '/ui/'],
    ['', 'http://evil.example/ui?token=x', '/ui/?token=x'],
    ['', '//evil.example/ui', undefined],
    ['', '/ui?a=1', '/ui/?a=1'],
    ['/ops/homeostat', 'http://evil.example/ops/homeostat/ui', '/ops/homeostat/ui/'],
    ['/ops/homeostat', '/ops/homeostat/ui', '/ops/homeostat/ui/'],
  ])('under prefix %s, GET %s redirects to %s', async (prefix, target, location) => {
    const port = await start(prefix);
    const answer = await get(port, target);
    if (location === undefined) {
      // a path that is not /ui: no redirect at all
      expect(answer.status).not.toMatch(/ 30\d /);
      return;
    }
    expect(answer.status).toBe('HTTP/1.1 302 Found');
    expect(answer.location).toBe(location);
  });
});
