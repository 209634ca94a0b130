// Numbers in query strings are decimal numbers or refused by name: an empty value was read as 0 (`?to=` gave
// an empty list of decisions, `?depth=` the root alone, `?wait=` no wait at all), and '0x10' or ' 5 ' as 16 and 5.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, apiFixture } from './fixture.js';

describe('numbers in query strings', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());

  it.each([
    ['/decisions?to=', 'to'],
    ['/decisions?from=%20', 'from'],
    ['/decisions?limit=0x10', 'limit'],
    ['/decisions?limit=%205%20', 'limit'],
    ['/decisions?from=Infinity', 'from'],
    ['/audit?limit=', 'limit'],
    ['/entities?depth=', 'depth'],
  ])('GET %s is refused naming %s', async (route, name) => {
    const refused = await api.call('GET', route, TOKENS.admin);
    expect(refused.status).toBe(400);
    expect(refused.body['error']).toContain(`querystring/${name}`);
    expect(refused.body['error']).toMatch(/decimal/);
  });

  it('refuses an empty wait before anything is invoked', async () => {
    const refused = await api.call('POST', '/entities/db/effectors/fence?wait=', TOKENS.operator, {});
    expect(refused.status).toBe(400);
    expect(refused.body['error']).toContain('querystring/wait');
  });

  it.each(['/decisions?limit=1e3', '/decisions?from=0&to=1.7e12', '/decisions?from=-5', '/entities?depth=0', '/audit?limit=10'])('GET %s is taken', async (route) => {
    expect((await api.call('GET', route, TOKENS.admin)).status).toBe(200);
  });

  it('still bounds the numbers it takes', async () => {
    expect((await api.call('GET', '/decisions?limit=1e9', TOKENS.admin)).status).toBe(400);
    expect((await api.call('GET', '/entities?depth=-1', TOKENS.admin)).status).toBe(400);
    expect((await api.call('GET', '/entities?depth=1.5', TOKENS.admin)).body['error']).toContain('querystring/depth');
  });
});
