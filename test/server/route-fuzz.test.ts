// Property tests of every API route with bad input, in process and in virtual time: no 500, no hang, a JSON
// refusal with a message, a refused request changes neither the tree nor the policies, and /ready answers after.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERTMANAGER_TOKEN, FUZZ_TOKENS, routeFuzzService, type FuzzRequest, type RouteFuzzService } from './route-fuzz-fixture.js';
import { bodies, contentType, queryOf, segment, token } from './route-fuzz-inputs.js';
import { applyMutation, mutation } from '../blueprint/blueprint-mutations.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_201);
const RUNS = Number(process.env['ROUTE_FUZZ_RUNS'] ?? 40);

const ENTITIES = ['app', 'web', 'web-1', 'web-2', 'db', 'swim', 'shop', 'ghost'];
const POLICIES = ['web/autoscaler', 'swim/autoscaler', 'swim/brownout', 'web-1/restarter', 'ghost/autoscaler', 'web'];
const SENSORS = ['demand', 'label', 'vulnerabilities', 'notes', 'service.up', 'group.size', 'ghost'];
const EFFECTORS = ['resize', 'replaceMember', 'rollingRestart', 'rollingUpdate', 'restart', 'stop', 'update', 'promote', 'demote', 'fence', 'teleport', '__proto__', 'constructor', 'toString'];
const PAGE = ['limit', 'cursor'];

/** One route: its method, path (with generated segments), query keys and body keys (none: no body). */
interface RouteSpec {
  readonly method: string;
  readonly name: string;
  readonly path: fc.Arbitrary<string>;
  readonly query: readonly string[];
  readonly body?: readonly string[];
  /** The Alertmanager receiver's token instead of an API token. */
  readonly receiver?: boolean;
}

const id = segment(ENTITIES);
const fixed = (p: string) => fc.constant(p);
const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', name: '/health', path: fixed('/health'), query: ['x'] },
  { method: 'GET', name: '/ready', path: fixed('/ready'), query: ['x'] },
  { method: 'GET', name: '/me', path: fixed('/me'), query: ['x'] },
  { method: 'GET', name: '/docs', path: fixed('/docs'), query: ['x'] },
  { method: 'GET', name: '/metrics', path: fixed('/metrics'), query: ['name[]'] },
  { method: 'GET', name: '/entities', path: fixed('/entities'), query: ['root', 'depth', 'format', ...PAGE] },
  { method: 'GET', name: '/entities/:id', path: id.map((i) => `/entities/${i}`), query: ['x'] },
  { method: 'GET', name: '/entities/:id/sensors/:sensor/history', path: fc.tuple(id, segment(SENSORS)).map(([i, s]) => `/entities/${i}/sensors/${s}/history`), query: ['limit'] },
  { method: 'POST', name: '/entities/:id/effectors/:effector', path: fc.tuple(id, segment(EFFECTORS)).map(([i, e]) => `/entities/${i}/effectors/${e}`), query: ['wait'], body: ['size', 'member', 'startTimeout', 'version', 'maxUnavailable', 'healthTimeout', 'allowQuorumLoss', 'to', 'reason'] },
  { method: 'GET', name: '/invocations/:id', path: segment(['call-1-abcdef', 'call-1', '1']).map((i) => `/invocations/${i}`), query: ['x'] },
  { method: 'POST', name: '/entities/:id/sensors/:sensor', path: fc.tuple(id, segment(SENSORS)).map(([i, s]) => `/entities/${i}/sensors/${s}`), query: ['x'], body: ['value'] },
  { method: 'POST', name: '/entities/:id/findings', path: id.map((i) => `/entities/${i}/findings`), query: ['format', 'sensor'], body: ['Results', 'matches', 'vulns', 'results', 'SchemaVersion', 'ArtifactName'] },
  { method: 'GET', name: '/entities/:id/feeds', path: id.map((i) => `/entities/${i}/feeds`), query: ['x'] },
  { method: 'GET', name: '/feeds', path: fixed('/feeds'), query: PAGE },
  { method: 'GET', name: '/policies', path: fixed('/policies'), query: PAGE },
  { method: 'GET', name: '/policies/:id', path: segment(POLICIES).map((i) => `/policies/${i}`), query: ['x'] },
  { method: 'POST', name: '/policies/:id/suspend', path: segment(POLICIES).map((i) => `/policies/${i}/suspend`), query: ['x'], body: ['reason'] },
  { method: 'POST', name: '/policies/:id/resume', path: segment(POLICIES).map((i) => `/policies/${i}/resume`), query: ['x'], body: ['reason'] },
  { method: 'POST', name: '/policies/:id/dry-run', path: segment(POLICIES).map((i) => `/policies/${i}/dry-run`), query: ['x'], body: ['enabled'] },
  { method: 'PUT', name: '/policies/:id/config', path: segment(POLICIES).map((i) => `/policies/${i}/config`), query: ['x'], body: ['config'] },
  { method: 'GET', name: '/decisions', path: fixed('/decisions'), query: ['entity', 'policy', 'outcome', 'from', 'to', 'limit'] },
  { method: 'GET', name: '/decisions/:id', path: segment(['d-1', '1']).map((i) => `/decisions/${i}`), query: ['x'] },
  { method: 'GET', name: '/audit', path: fixed('/audit'), query: ['limit'] },
  { method: 'GET', name: '/stream', path: fixed('/stream'), query: ['subtree', 'types'] },
  { method: 'POST', name: '/alertmanager', path: fixed('/alertmanager'), query: ['x'], body: ['version', 'status', 'alerts', 'groupKey', 'receiver', 'groupLabels', 'commonLabels'], receiver: true },
  { method: 'GET', name: '/ui/:file', path: segment(['index.html', 'app.js', 'ghost']).map((f) => `/ui/${f}`), query: ['x'] },
];

/** A request of `route`: its own method mostly, else another (405, OPTIONS, HEAD). */
function requestOf(route: RouteSpec): fc.Arbitrary<FuzzRequest> {
  const method = fc.oneof({ arbitrary: fc.constant(route.method), weight: 8 }, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'));
  const caller = route.receiver ? fc.oneof({ arbitrary: fc.constant<string | undefined>(ALERTMANAGER_TOKEN), weight: 6 }, token) : token;
  return fc.record({
    method,
    target: fc.tuple(route.path, queryOf(route.query)).map(([p, q]) => `${p}${q}`),
    token: caller,
    body: route.body ? bodies(route.body) : fc.option(bodies(['x']), { nil: undefined, freq: 4 }),
    contentType,
    lastEventId: fc.option(fc.constantFrom('1', '0', '-5', '1e3', '', 'x', '999999999999999', '9999999999999999'), { nil: undefined, freq: 2 }),
  }).map(({ lastEventId, ...r }) => ({ ...r, ...(lastEventId === undefined ? {} : { headers: { 'last-event-id': lastEventId } }) }));
}

/** What is wrong with an answer to a request (undefined when it keeps the rules). */
function breach(request: FuzzRequest, answer: { status: number; contentType: string; json: unknown }, changed: boolean): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status >= 400) {
    if (changed) return `refused with ${answer.status}, yet the tree or the policies changed`;
    if (request.method === 'HEAD') return undefined;
    if (!answer.contentType.startsWith('application/json')) return `refused with ${answer.status} as ${answer.contentType}, not JSON`;
    const error = (answer.json as { error?: unknown } | undefined)?.error;
    if (typeof error !== 'string' || error.trim() === '') return `refused with ${answer.status} without an error message`;
  }
  return undefined;
}

let service: RouteFuzzService;
beforeAll(async () => {
  service = await routeFuzzService();
});
afterAll(async () => {
  await service?.close();
});

describe('every route of the API with bad input', () => {
  it.each(ROUTES.map((r) => [`${r.method} ${r.name}`, r] as const))('%s: no 500, a JSON refusal with a message, nothing changed when refused, ready after', async (_name, route) => {
    await fc.assert(
      fc.asyncProperty(requestOf(route), async (request) => {
        const before = service.state();
        const answer = await service.send(request);
        const changed = service.state() !== before;
        const problem = breach(request, answer, changed);
        expect(problem, `${request.method} ${request.target.slice(0, 300)} body ${String(request.body).slice(0, 300)} (${String(request.contentType)}) -> ${answer.text.slice(0, 300)}`).toBeUndefined();
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    const ready = await service.send({ method: 'GET', target: '/ready' });
    expect(ready.status, ready.text).toBe(200);
  });
});

/** How long the loops run after an accepted change of config (virtual ms). */
const RUN_AFTER_CHANGE_MS = 10 * 60_000;

describe('PUT /policies/:id/config with configs near the ones in force', () => {
  it.each(['web/autoscaler', 'swim/autoscaler', 'swim/brownout', 'web-1/restarter'])('%s: a config accepted keeps the loops running 10 virtual minutes without a fault; a refused one changes nothing', async (id) => {
    const original = structuredClone(service.deployment.engine.attachment(id).rawConfig) as Record<string, unknown>;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const config = structuredClone(original);
        const done = mutations.map((m) => applyMutation(config, m));
        let body: string;
        try {
          body = JSON.stringify({ config });
        } catch {
          return; // a cycle: not JSON, and covered by the bodies above
        }
        const before = service.state();
        const faultsBefore = service.faults.length;
        const answer = await service.send({ method: 'PUT', target: `/policies/${encodeURIComponent(id)}/config`, token: FUZZ_TOKENS.admin, body, contentType: 'application/json' });
        const what = `${done.join('; ')} -> ${answer.status} ${answer.text.slice(0, 400)}`;
        expect(breach({ method: 'PUT', target: '' }, answer, answer.status >= 400 && service.state() !== before), what).toBeUndefined();
        if (answer.status >= 400) return;
        accepted++;
        try {
          await service.clock.advanceBy(RUN_AFTER_CHANGE_MS);
          const stopped = service.deployment.engine.stoppedPolicies(10);
          expect(stopped.count, what).toBe(0);
          expect(service.faults.slice(faultsBefore).map((f) => `${f.policy} (${f.phase}): ${f.message}`), what).toEqual([]);
        } finally {
          service.deployment.engine.reconfigure(id, original);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    expect(accepted).toBeGreaterThan(0);
    const ready = await service.send({ method: 'GET', target: '/ready' });
    expect(ready.status, ready.text).toBe(200);
  }, 60_000);
});

const SCAN_REPORTS = ['trivy-image.json', 'grype-image.json', 'osv-express.json'].map((f) => readFileSync(path.join(import.meta.dirname, '../sensors/feeds/scan/fixtures', f), 'utf8'));
const ALERTS = JSON.stringify({
  version: '4', groupKey: 'g', status: 'firing', receiver: 'homeostat', groupLabels: {}, commonLabels: {}, commonAnnotations: {},
  alerts: [
    { status: 'firing', labels: { alertname: 'HighErrorRate', entity: 'db' }, annotations: { summary: 's' }, startsAt: '2026-01-01T00:00:00Z', endsAt: '', fingerprint: 'f1' },
    { status: 'resolved', labels: { alertname: 'Other', entity: 'db' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-01T00:05:00Z', fingerprint: 'f2' },
  ],
});

describe('bodies near valid ones: scanner reports and Alertmanager payloads, mutated', () => {
  const near = (texts: readonly string[]) => fc.tuple(fc.constantFrom(...texts), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([text, mutations]) => {
    const data = JSON.parse(text) as Record<string, unknown>;
    const done = mutations.map((m) => applyMutation(data, m));
    let body: string;
    try {
      body = JSON.stringify(data);
    } catch {
      body = text; // a cycle is not JSON: the report as it was
    }
    return { body, done };
  });
  const cases = [
    { name: 'POST /entities/:id/findings', target: fc.constantFrom('/entities/db/findings', '/entities/db/findings?format=trivy', '/entities/db/findings?format=osv', '/entities/shop/findings?sensor=notes', '/entities/web/findings?sensor=demand'), texts: SCAN_REPORTS, token: FUZZ_TOKENS.operator },
    { name: 'POST /alertmanager', target: fc.constant('/alertmanager'), texts: [ALERTS], token: ALERTMANAGER_TOKEN },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s: no 500, a JSON refusal with a message, nothing changed when refused', async (_name, c) => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(c.target, near(c.texts), fc.constantFrom('application/json', 'text/plain'), async (target, { body, done }, type) => {
        const request: FuzzRequest = { method: 'POST', target, token: c.token, body, contentType: c.name === 'POST /alertmanager' ? 'application/json' : type };
        const before = service.state();
        const answer = await service.send(request);
        statuses.add(answer.status);
        expect(breach(request, answer, service.state() !== before), `${target} ${done.join('; ')} -> ${answer.text.slice(0, 400)}`).toBeUndefined();
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    expect([...statuses].some((s) => s < 300)).toBe(true);
    const ready = await service.send({ method: 'GET', target: '/ready' });
    expect(ready.status, ready.text).toBe(200);
  });
});
