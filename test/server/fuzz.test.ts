import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/server/auth.js';
import { INVOKE_BODY_LIMIT } from '../../src/server/routes-entities.js';
import { ADMIN_TOKEN, startService, type ServiceProcess } from './service-process.js';

/**
 * A bounded, seeded fuzz of the HTTP API of a real `homeostat run` process: random methods, routes, ids,
 * query strings, headers and bodies (random JSON, bodies nested thousands of levels deep, oversized, not
 * JSON at all). No answer may be a 500 or take longer than its timeout, and the process must still be ready
 * and must stop within its grace on SIGTERM afterwards.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_129);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 400);
const TIME_LIMIT_MS = 40_000;
const REQUEST_TIMEOUT_MS = 5_000;
const GRACE_S = 3;
/** The HTTP server's default body limit (1 MiB): larger bodies are refused before they are read. */
const FASTIFY_BODY_LIMIT = 1_048_576;

/** The body bound of the route a request goes to: an effector invocation takes less than the server's default. */
function bodyLimitOf(method: string, path: string): number {
  return method === 'POST' && /^\/entities\/[^/]+\/effectors\/[^/?]+$/.test(path) ? INVOKE_BODY_LIMIT : FASTIFY_BODY_LIMIT;
}

/** Whether a failed fetch is the server closing the connection while the request body was still being sent. */
function closedWhileSending(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string; cause?: { code?: string } } }).cause;
  const code = cause?.code ?? cause?.cause?.code;
  return code === 'EPIPE' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET';
}

const TOKENS = {
  admin: ADMIN_TOKEN,
  viewer: 'process-viewer-token-000',
  scoped: 'process-scoped-token-000',
};
const env = {
  HOMEOSTAT_TOKENS: JSON.stringify([
    { token: TOKENS.admin, name: 'root', role: 'admin' },
    { token: TOKENS.viewer, name: 'vic', role: 'viewer' },
    { token: TOKENS.scoped, name: 'sam', role: 'operator', scope: 'db' },
  ]),
  HOMEOSTAT_JWT_SECRET: 'fuzz-secret-of-at-least-32-characters!!',
};

// weighted towards what exists, so that most requests get past routing and authentication into the handlers
const ids = fc.oneof(
  { arbitrary: fc.constantFrom('app', 'web', 'web-1', 'web-2', 'db', 'web%2Fautoscaler', 'web-1%2Frestarter'), weight: 6 },
  { arbitrary: fc.constantFrom('ghost', '..%2F..%2Fetc%2Fpasswd', '%00', '%E2%80%AE', 'a'.repeat(300)), weight: 2 },
  { arbitrary: fc.string({ maxLength: 40, size: 'max' }).map(encodeURIComponent), weight: 1 },
);
const effectors = fc.constantFrom('resize', 'replaceMember', 'rollingRestart', 'rollingUpdate', 'restart', 'stop', 'update', 'promote', 'demote', 'fence', 'escalate', 'teleport', '__proto__', 'constructor');
const get = (path: fc.Arbitrary<string>) => path.map((p) => ({ method: 'GET', path: p }));
const post = (path: fc.Arbitrary<string>, method = 'POST') => path.map((p) => ({ method, path: p }));
// each route mostly with its own method, so that requests reach the handlers
const routed = fc.oneof(
  get(fc.constantFrom('/health', '/ready', '/docs', '/metrics', '/entities', '/policies', '/decisions', '/audit', '/stream')),
  get(ids.map((id) => `/entities/${id}`)),
  { arbitrary: post(fc.tuple(ids, effectors).map(([id, e]) => `/entities/${id}/effectors/${e}`)), weight: 4 },
  get(fc.tuple(ids, fc.constantFrom('service.up', 'group.size', 'ghost', '..')).map(([id, s]) => `/entities/${id}/sensors/${s}/history`)),
  { arbitrary: post(fc.tuple(ids, fc.constantFrom('suspend', 'resume', 'dry-run', 'x')).map(([id, a]) => `/policies/${id}/${a}`)), weight: 3 },
  post(ids.map((id) => `/policies/${id}/config`), 'PUT'),
  get(ids.map((id) => `/policies/${id}`)),
  get(ids.map((id) => `/decisions/${id}`)),
  get(ids.map((id) => `/invocations/${id}`)),
);
const route = fc.oneof(
  { arbitrary: routed, weight: 8 },
  fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'), routed, fc.constantFrom('', '/', '/..', '%2F', '?')).map(([method, r, tail]) => ({ method, path: `${r.path}${tail}` })),
  fc.tuple(fc.constantFrom('GET', 'POST'), fc.string({ maxLength: 60, size: 'max' })).map(([method, p]) => ({ method, path: `/${encodeURI(p)}` })),
);
const queryValue = fc.oneof(fc.constantFrom('', '-1', '0', '1', '1e308', 'NaN', 'Infinity', '100000', 'true', 'decision,sensor', 'gossip', 'web'), fc.string({ maxLength: 30, size: 'max' }));
const query = fc.array(fc.tuple(fc.constantFrom('limit', 'depth', 'root', 'wait', 'from', 'to', 'entity', 'policy', 'outcome', 'subtree', 'types', 'x', 'limit[]'), queryValue), { maxLength: 5 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`));
const auth = fc.oneof(
  { arbitrary: fc.constantFrom(`Bearer ${TOKENS.admin}`, `Bearer ${TOKENS.viewer}`, `Bearer ${TOKENS.scoped}`), weight: 8 },
  fc.constantFrom(undefined, 'Bearer', 'Basic YWRtaW46YWRtaW4=', `bearer  ${TOKENS.admin}`, 'Bearer a.b.c', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIn0.'),
  fc.record({ sub: fc.oneof(fc.string(), fc.integer()), role: fc.oneof(fc.constantFrom('viewer', 'operator', 'admin'), fc.anything()), scope: fc.anything(), exp: fc.anything(), nbf: fc.anything() }, { requiredKeys: [] })
    .map((claims) => `Bearer ${signJwt(claims, env.HOMEOSTAT_JWT_SECRET)}`),
  fc.string({ maxLength: 100, size: 'max' }).map((s) => `Bearer ${s.replace(/[\r\n]/g, '')}`),
);
const deep = fc.record({ depth: fc.integer({ min: 100, max: 20_000 }), open: fc.constantFrom('{"a":', '[', '{"password":') }).map(({ depth, open }) => {
  const close = open === '[' ? ']' : '}';
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
});
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 6, depthSize: 'max' }).map((v) => JSON.stringify(v)),
  fc.dictionary(fc.constantFrom('size', 'member', 'startTimeout', 'version', 'to', 'maxLag', 'reason', 'by', 'enabled', 'config', 'token', 'maxUnavailable', 'healthTimeout'), fc.oneof(fc.integer({ min: -5, max: 3 }), fc.double(), fc.string({ maxLength: 20, size: 'max' }), fc.boolean(), fc.constant(null), fc.constant(1e15))).map((v) => JSON.stringify(v)),
  deep,
  fc.integer({ min: 1, max: 3 }).map((mb) => JSON.stringify({ blob: 'x'.repeat(mb * 700_000) })),
  fc.string({ maxLength: 200, size: 'max' }),
);
const contentType = fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=utf-16');
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((h) => !['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive'].includes(h));
const extraHeaders = fc.dictionary(fc.oneof(headerName, fc.constantFrom('accept', 'accept-encoding', 'x-forwarded-for', 'origin', 'cookie', 'range', 'if-none-match')), fc.string({ maxLength: 200, size: 'max' }).map((v) => v.replace(/[^\x20-\x7e]/g, '')), { maxKeys: 4 });
const request = fc.record({ headers: extraHeaders, route, query, auth, body, contentType, lastEventId: fc.option(fc.string({ maxLength: 12, size: 'max' }), { nil: undefined }) });

let service: ServiceProcess;
// the service starts from this checkout's sources (compiled by tsx as it loads): on a slow host with every other
// test file running beside it that took more than the default 10 s of a hook, so the start gets a minute
const SERVICE_START_MS = 60_000;
beforeAll(async () => {
  service = await startService(['--stop-grace', String(GRACE_S)], env);
}, SERVICE_START_MS);
afterAll(() => {
  if (service && service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
});

describe('API fuzz against a real process', () => {
  it(`answers ${RUNS} random requests (seed ${SEED}) without a 500 or a hang, stays ready, then stops within its grace`, { timeout: TIME_LIMIT_MS + 30_000 }, async () => {
    const statuses = new Map<number, number>();
    let sent = 0;
    let closedOversized = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = { ...r.headers };
        if (r.auth !== undefined) headers['authorization'] = r.auth;
        if (r.contentType !== undefined && r.body !== undefined) headers['content-type'] = r.contentType;
        if (r.lastEventId !== undefined) headers['last-event-id'] = r.lastEventId.replace(/[^\x20-\x7e]/g, '');
        const { method, path } = r.route;
        const withBody = r.body !== undefined && method !== 'GET' && method !== 'HEAD';
        let response: Response;
        try {
          response = await fetch(`${service.url}${path}${r.query}`, { method, headers, ...(withBody ? { body: r.body } : {}), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        } catch (error) {
          // a body over the route's limit is refused (413) before it is read, and the connection is closed: a
          // client still uploading may see the socket close before the answer. That is a refusal, not a crash
          // (the service must still be ready afterwards, checked below); anything else is a failure.
          if (withBody && Buffer.byteLength(r.body ?? '') > bodyLimitOf(method, path) && closedWhileSending(error)) {
            sent++;
            closedOversized++;
            return;
          }
          throw error;
        }
        sent++;
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.headers.get('content-type')?.startsWith('text/event-stream')) await response.body?.cancel();
        else await response.arrayBuffer();
        // 502/504: an effector failed or timed out in the managed system; 503: readiness. Never a 500.
        expect(response.status, `${method} ${path}${r.query}`).not.toBe(500);
        expect(response.status).toBeLessThan(600);
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true },
    );
    expect(sent).toBeGreaterThan(50);
    expect(closedOversized).toBeLessThan(sent);
    expect([...statuses.keys()].filter((s) => s >= 400 && s < 500).length).toBeGreaterThan(2); // the fuzz reached the refusals
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    const ready = await fetch(`${service.url}/ready`);
    expect(ready.status, await ready.clone().text()).toBe(200);
    const audit = await fetch(`${service.url}/audit?limit=10000`, { headers: { authorization: `Bearer ${TOKENS.admin}` } });
    expect(audit.status).toBe(200);
    const sentAt = Date.now();
    service.child.kill('SIGTERM');
    const exit = await service.exited;
    expect(exit.at - sentAt).toBeLessThan(GRACE_S * 1000 + 2_000);
    expect(exit.code).toBe(0);
  });
});
