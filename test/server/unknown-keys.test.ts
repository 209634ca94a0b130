// A query parameter or body key a route does not declare was dropped without a word: `GET /decisions?since=...`
// (the parameter is `from`) answered every decision, as if the filter held, and a suspend with `reasn` took the
// default reason. A route that declares its query parameters or body keys now refuses any other, naming it
// and the known ones, or the one it likely misspells.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, apiFixture } from './fixture.js';

describe('query parameters and body keys a route does not declare', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());

  it.each([
    ['/decisions?since=5', 'since', 'known: entity, from, limit, outcome, policy, to'],
    ['/decisions?polcy=db%2Ffailover', 'polcy', "did you mean 'policy'?"],
    ['/decisions?limit=5&entity[]=db', 'entity[]', "did you mean 'entity'?"],
    ['/audit?limt=5', 'limt', "did you mean 'limit'?"],
    ['/entities?rooot=db', 'rooot', "did you mean 'root'?"],
    ['/entities?format=list&__proto__=1', '__proto__', 'known: cursor, depth, format, limit, root'],
  ])('GET %s is refused naming %s', async (route, name, hint) => {
    const refused = await api.call('GET', route, TOKENS.admin);
    expect(refused.status).toBe(400);
    expect(refused.body['error']).toBe(`bad request: querystring/${name} unknown parameter (${hint})`);
    expect(refused.body['issues']).toEqual([{ path: `/${name}`, message: `unknown parameter (${hint})` }]);
  });

  it('names every unknown parameter of a request, and still checks the known ones only when none is unknown', async () => {
    const refused = await api.call('GET', '/decisions?since=1&until=2&limit=0', TOKENS.admin);
    expect(refused.status).toBe(400);
    expect((refused.body['issues'] as Array<{ path: string }>).map((i) => i.path)).toEqual(['/since', '/until']);
  });

  it.each(['/decisions?from=0&to=1.7e12&limit=5&entity=db&policy=db%2Ffailover', '/entities?root=db&depth=1&format=list&limit=10', '/audit?limit=10'])('GET %s, with declared parameters only, is taken', async (route) => {
    expect((await api.call('GET', route, TOKENS.admin)).status).toBe(200);
  });

  it.each([
    ['POST', '/policies/web%2Fautoscaler/suspend', { reasn: 'maintenance' }, 'reasn', "did you mean 'reason'?"],
    ['POST', '/policies/web%2Fautoscaler/dry-run', { enabled: true, forever: true }, 'forever', 'known: enabled'],
    ['PUT', '/policies/web%2Fautoscaler/config', { config: {}, dryRun: true }, 'dryRun', 'known: config'],
  ] as const)('%s %s with a key it does not know is refused naming it, and changes nothing', async (method, route, body, name, hint) => {
    const before = await api.call('GET', '/policies/web%2Fautoscaler', TOKENS.admin);
    expect(before.status).toBe(200);
    const refused = await api.call(method, route, TOKENS.admin, body);
    expect(refused.status).toBe(400);
    expect(refused.body['error']).toBe(`bad request: body/${name} unknown key (${hint})`);
    const after = await api.call('GET', '/policies/web%2Fautoscaler', TOKENS.admin);
    expect(after.body).toEqual(before.body);
    expect(after.body['suspended']).toBe(false);
  });

  it.each([
    ['GET', '/entities/db?depth=2', 'depth'],
    ['GET', '/policies/web%2Fautoscaler?verbose=1', 'verbose'],
    ['GET', '/entities/db/feeds?status=failing', 'status'],
    ['GET', '/me?tenant=acme', 'tenant'],
  ] as const)('%s %s, a route that takes no query parameters, is refused naming %s', async (method, route, name) => {
    const refused = await api.call(method, route, TOKENS.admin);
    expect(refused.status).toBe(400);
    expect(refused.body['error']).toBe(`bad request: querystring/${name} unknown parameter (this route takes no parameters)`);
  });

  it('refuses a query parameter on a route that takes none before acting: resume?dryRun=true resumes nothing', async () => {
    expect((await api.call('POST', '/policies/web%2Fautoscaler/suspend', TOKENS.admin, { reason: 'held' })).status).toBe(200);
    const refused = await api.call('POST', '/policies/web%2Fautoscaler/resume?dryRun=true', TOKENS.admin);
    expect(refused.status).toBe(400);
    expect(refused.body['error']).toBe('bad request: querystring/dryRun unknown parameter (this route takes no parameters)');
    expect((await api.call('GET', '/policies/web%2Fautoscaler', TOKENS.admin)).body['suspended']).toBe(true);
    expect((await api.call('POST', '/policies/web%2Fautoscaler/resume', TOKENS.admin)).status).toBe(200);
  });

  it('leaves the probes lenient: /health and /ready take a cache-buster', async () => {
    expect((await api.call('GET', '/health?_=123', undefined)).status).toBe(200);
    expect([200, 503]).toContain((await api.call('GET', '/ready?_=123', undefined)).status);
  });

  it('takes the declared body keys, and no body where the route takes none', async () => {
    expect((await api.call('POST', '/policies/web%2Fautoscaler/suspend', TOKENS.admin, { reason: 'maintenance' })).body).toMatchObject({ suspended: true, suspendedReason: 'maintenance' });
    expect((await api.call('POST', '/policies/web%2Fautoscaler/resume', TOKENS.admin)).status).toBe(200);
    expect((await api.call('POST', '/policies/web%2Fautoscaler/suspend', TOKENS.admin)).status).toBe(200);
    expect((await api.call('POST', '/policies/web%2Fautoscaler/resume', TOKENS.admin)).status).toBe(200);
  });
});
