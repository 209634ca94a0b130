// Feeds against hostile HTTP targets (a real local server): an endless body, a body cut mid-way, a redirect.
// Memory and time stay bounded and each error names the target and what went wrong.
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FEED_BODY_LIMIT, fetchText } from '../../../src/sensors/feeds/fetch-text.js';
import { startHttp } from './real-servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Writes 1 MiB chunks as fast as the reader takes them, until the connection goes; counts what it wrote. */
function endless(res: ServerResponse, sent: { bytes: number }): void {
  const chunk = Buffer.alloc(1 << 20, 'a');
  res.writeHead(200, { 'content-type': 'text/plain' });
  const pump = (): void => {
    while (!res.destroyed) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  pump();
}

describe('fetchText against hostile targets', () => {
  it('an endless body fails once it passes the limit, naming the host; what is read stays near the limit', async () => {
    const sent = { bytes: 0 };
    const server = await startHttp((_req, res) => endless(res, sent));
    cleanups.push(() => server.close());
    const started = performance.now();
    const error = await fetchText(server.url, { signal: AbortSignal.timeout(20_000) }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toBe(`the answer of 127.0.0.1:${server.port} is larger than ${FEED_BODY_LIMIT / (1 << 20)} MiB (a feed reads at most that)`);
    expect(error).toMatchObject({ code: 'E_HTTP_BODY_TOO_LARGE', retryable: true });
    expect(performance.now() - started).toBeLessThan(10_000);
    // the connection is dropped at the limit: the server wrote little more than that (socket buffers)
    expect(sent.bytes).toBeLessThan(FEED_BODY_LIMIT + 64 * (1 << 20));
  });

  it('a body cut mid-way is an error that says so and how much came, not "cannot reach"', async () => {
    const server = await startHttp((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"v": 1');
      setTimeout(() => res.destroy(), 50);
    });
    cleanups.push(() => server.close());
    const error = await fetchText(server.url, { signal: AbortSignal.timeout(5_000) }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${server.port} closed the connection after 7 bytes of the answer \\(.+\\)$`));
    expect(error).toMatchObject({ code: 'E_HTTP_BODY_CUT', retryable: true });
  });

  it('a redirect is named with its status and location (feeds do not follow redirects)', async () => {
    const server = await startHttp((req, res) => res.writeHead(302, { location: `${req.url ?? '/'}x` }).end());
    cleanups.push(() => server.close());
    const error = await fetchText(`${server.url}/metrics`, { signal: AbortSignal.timeout(5_000), redirect: 'error' }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toBe(`127.0.0.1:${server.port} answered 302, a redirect to /metricsx; a feed does not follow redirects: give the final URL`);
  });
});
