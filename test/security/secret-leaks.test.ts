import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testServer } from '../effectors/kinds/fixtures.js';
import { until } from '../support/until.js';

const root = path.resolve(import.meta.dirname, '../..');
const SECRET = 'sk-live-8d41f0c7a95e2b63d10f';
const FILE_SECRET = 'fk-file-3b7e91d24c0a68f5e2ab';
const ADMIN = 'leak-test-admin-token-000';
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Every encoding of the secrets a leak could take: as is, and inside basic or bearer credentials. */
function forms(): string[] {
  return [SECRET, FILE_SECRET, Buffer.from(SECRET).toString('base64'), Buffer.from(`ops:${SECRET}`).toString('base64')];
}

describe('a known secret value in a real homeostat run', () => {
  it('is used by feeds and effectors, and appears in none of its outputs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'homeostat-leaks-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const secretFile = path.join(dir, 'api-key');
    await writeFile(secretFile, `${FILE_SECRET}\n`);
    // the target echoes every credential it gets, in failures and successes alike
    const echo = (req: { headers: Record<string, unknown> }): string => `auth=${String(req.headers['authorization'])} key=${String(req.headers['x-api-key'])}`;
    const feedTarget = await testServer((req, n) => (n % 2 === 1 ? { status: 500, body: `denied ${echo(req)}` } : { status: 200, body: JSON.stringify({ depth: n, note: echo(req) }) }));
    const callTarget = await testServer((req, n) => (n === 1 ? { status: 503, body: `unavailable ${echo(req)}` } : { status: 200, body: JSON.stringify({ ok: true, seen: echo(req) }) }));
    cleanups.push(() => feedTarget.close(), () => callTarget.close());
    const printer = `process.stdout.write('token ' + process.env.TOKEN); console.error('key ' + process.env.KEY); process.exit(process.argv[1] === 'fail' ? 4 : 0)`;
    const blueprint = path.join(dir, 'leaks.yaml');
    await writeFile(blueprint, `name: leaks
application:
  id: svc
  sensors: [{ name: depth }]
  feeds:
    - kind: http
      sensor: depth
      url: "${feedTarget.url}/stats"
      pointer: /depth
      every: 1s
      jitter: 0
      auth: { basic: { username: ops, password: { secret: { env: LEAK_TEST_SECRET } } } }
      headers: { X-Api-Key: { secret: { file: ${secretFile} } } }
  effectors:
    - name: call
      kind: http
      url: "${callTarget.url}/call"
      headers: { Authorization: { secret: { env: LEAK_TEST_SECRET }, prefix: "Bearer " }, X-Api-Key: { secret: { file: ${secretFile} } } }
    - name: print
      kind: exec
      argv: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(printer)}, --, "{{params.mode}}"]
      params: { mode: string }
      env: { TOKEN: { secret: { env: LEAK_TEST_SECRET } }, KEY: { secret: { file: ${secretFile} } } }
`);
    const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', blueprint, '--port', '0'], {
      cwd: root,
      env: { ...process.env, LEAK_TEST_SECRET: SECRET, OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'console', LOG_LEVEL: 'debug', HOMEOSTAT_TOKENS: JSON.stringify([{ token: ADMIN, name: 'root', role: 'admin' }]) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    cleanups.push(async () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      await exited;
    });
    const base = await until('the service listens', 15_000, async () => {
      const line = stdout.split('\n').find((l) => l.includes('"urls"'));
      return line ? `http://127.0.0.1:${new URL((JSON.parse(line) as { urls: string[] }).urls[0] as string).port}` : undefined;
    });
    const api = async (method: string, url: string, body?: unknown): Promise<string> => {
      const response = await fetch(`${base}${url}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return response.text();
    };
    // the live stream, read while everything happens
    const stream = new AbortController();
    let events = '';
    const streaming = fetch(`${base}/stream`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: stream.signal }).then(async (response) => {
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        events += Buffer.from(value).toString();
      }
    }).catch(() => undefined);

    const answers: string[] = [];
    for (const [effector, params] of [['call', {}], ['call', {}], ['print', { mode: 'ok' }], ['print', { mode: 'fail' }]] as const) answers.push(await api('POST', `/entities/svc/effectors/${effector}?wait=10000`, params));
    // the feed failed (echoing the credentials) and succeeded at least twice each
    await until('the feed polled', 15_000, async () => (feedTarget.seen.length >= 4 ? true : undefined));

    // the secrets were really sent: feeds and effectors resolved them
    expect(feedTarget.seen[0]?.headers['authorization']).toBe(`Basic ${Buffer.from(`ops:${SECRET}`).toString('base64')}`);
    expect(feedTarget.seen[0]?.headers['x-api-key']).toBe(FILE_SECRET);
    expect(callTarget.seen.map((r) => r.headers['authorization'])).toContain(`Bearer ${SECRET}`);
    expect(answers.join('\n')).toContain('token [secret]');

    const ids = [...answers.join('\n').matchAll(/"invocation":"([^"]+)"/g)].map((m) => m[1] as string);
    expect(ids).toHaveLength(4);
    for (const url of ['/entities', '/entities/svc', '/entities/svc/feeds', '/feeds', '/entities/svc/sensors/depth/history', '/decisions', '/audit', '/policies', '/metrics', ...ids.map((id) => `/invocations/${id}`)]) answers.push(await api('GET', url));
    stream.abort();
    await streaming;
    const pid = child.pid as number;
    process.kill(pid, 'SIGTERM');
    await exited;

    const outputs = { answers: answers.join('\n'), events, stdout, stderr };
    // the outputs are not empty: they hold the failures and the spans they are checked for
    expect(outputs.answers).toContain('unavailable');
    expect(outputs.answers).toContain('HTTP 500');
    expect(events.length).toBeGreaterThan(0);
    expect(stdout).toContain('traceId');
    for (const [where, text] of Object.entries(outputs)) for (const form of forms()) expect(text.includes(form), `${where} holds ${form}`).toBe(false);
  }, 60_000);
});
