// HEAD on every GET route answers what GET would (status and content type) without a body, and never hangs:
// HEAD /stream opened a stream whose writes a HEAD response drops, so its headers were never sent and the
// request waited for ever while the service kept the client's subscription.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, apiFixture } from './fixture.js';

const ROUTES = [
  '/health', '/ready', '/docs', '/metrics', '/me', '/entities', '/entities/db', '/entities/db/sensors/service.up/history', '/invocations/ghost',
  '/policies', '/policies/web%2Fautoscaler', '/decisions', '/decisions/ghost', '/audit', '/feeds', '/entities/db/feeds', '/ui/', '/stream', '/stream?subtree=db',
];

/** One request on its own socket; rejects when no answer came within `timeoutMs`. */
function send(url: string, method: string, token: string, timeoutMs = 3_000): Promise<{ status: number; type: string | undefined; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        // a GET of a stream never ends: its first chunk is the answer
        if (method === 'GET' && res.headers['content-type'] === 'text/event-stream') {
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], bytes });
          req.destroy();
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type']?.split(';')[0], bytes }));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      reject(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`));
    });
    req.on('error', (error) => reject(error));
    req.end();
  });
}

describe('HEAD requests', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());

  it.each(ROUTES)('HEAD %s answers as GET does, without a body', async (route) => {
    const head = await send(`${api.url}${route}`, 'HEAD', TOKENS.admin);
    const get = await send(`${api.url}${route}`, 'GET', TOKENS.admin);
    expect(head.status).toBe(get.status);
    expect(head.type?.split(';')[0]).toBe(get.type?.split(';')[0]);
    expect(head.bytes).toBe(0);
  });

  it('HEAD /stream still needs a token and a known subtree', async () => {
    expect((await send(`${api.url}/stream`, 'HEAD', 'not-a-token-at-all-000')).status).toBe(401);
    expect((await send(`${api.url}/stream?subtree=ghost`, 'HEAD', TOKENS.admin)).status).toBe(404);
  });
});
