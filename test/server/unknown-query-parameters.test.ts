// A query parameter a route does not declare was dropped without a word: `GET /decisions?since=...` (the
// parameter is `from`) answered every decision, as if the filter held. A route that declares its query
// parameters now refuses any other, naming it and the known ones, or the one it likely misspells.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, apiFixture } from './fixture.js';

describe('query parameters a route does not declare', () => {
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
});
