// Feeds against hostile HTTP targets (a real local server): an endless body, a body cut mid-way, a redirect;
// and against hostile commands (real processes).
// Memory and time stay bounded and each error names the target and what went wrong.
import { mkdtemp, readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isRunning } from '../../../src/drivers/process/proc-fs.js';
import { FEED_BODY_LIMIT, fetchText } from '../../../src/sensors/feeds/fetch-text.js';
import { PrometheusQueryError, instantQuery } from '../../../src/sensors/feeds/prometheus-api.js';
import { CommandFailedError, runCommand } from '../../../src/sensors/feeds/run-command.js';
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

describe('runCommand (exec feeds) against hostile commands', () => {
  it('a command whose background child keeps stdout open is read at its exit, and the child does not outlive the read', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hs-feed-cmd-'));
    const pidFile = path.join(dir, 'pid');
    const started = performance.now();
    const stdout = await runCommand(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; echo 42`], { signal: AbortSignal.timeout(10_000) });
    const background = Number(await readFile(pidFile, 'utf8'));
    cleanups.push(async () => void (isRunning(background) && process.kill(background, 'SIGKILL')));
    expect(stdout).toBe('42\n');
    expect(performance.now() - started).toBeLessThan(5_000);
    await vi.waitFor(() => expect(isRunning(background)).toBe(false), { timeout: 3_000 });
  });

  it('a command that cannot start says why, as a CommandFailedError', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['/nonexistent/prog'], {}, /^cannot start \/nonexistent\/prog: ENOENT \(no such program\)$/],
      [['true'], { cwd: '/nonexistent-dir' }, /^cannot start true: its working directory \/nonexistent-dir does not exist$/],
      [['echo', 'x'.repeat(3_000_000)], {}, /^cannot start echo: E2BIG \(its arguments and environment, \d+ bytes, are more than the system takes\)$/],
    ];
    for (const [argv, options, message] of cases) {
      const error = await runCommand(argv, { signal: AbortSignal.timeout(5_000), ...options }).then(() => undefined, (e: Error) => e);
      expect(error, argv[0]).toBeInstanceOf(CommandFailedError);
      expect(error?.message, argv[0]).toMatch(message);
    }
  });
});

describe('instantQuery against a target that is not quite Prometheus', () => {
  it('a body that is JSON but not its API answer is a PrometheusQueryError naming the host and what is wrong', async () => {
    let body = '';
    const server = await startHttp((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    cleanups.push(() => server.close());
    const host = `127.0.0.1:${server.port}`;
    const cases: Array<[string, string]> = [
      ['null', `HTTP 200 from ${host}: not a Prometheus API answer (null)`],
      ['[1,2]', `HTTP 200 from ${host}: not a Prometheus API answer ([1,2])`],
      ['{"status":"success","data":{"resultType":"vector","result":[null]}}', `HTTP 200 from ${host}: not a Prometheus API answer (result[0] is null, not a series)`],
      ['{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}}', `HTTP 200 from ${host}: not a Prometheus API answer (result[0] has no [time, "value"])`],
    ];
    for (const [answer, message] of cases) {
      body = answer;
      const error = await instantQuery(server.url, 'up', { signal: AbortSignal.timeout(5_000) }).then(() => undefined, (e: Error) => e);
      expect(error, answer).toBeInstanceOf(PrometheusQueryError);
      expect(error?.message, answer).toBe(message);
    }
  });
});
