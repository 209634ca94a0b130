// GET /entities without ?root= answers a caller of several subtrees its first one, as before, and names the others
// in an Other-Roots header (ids, in the order of its scopes), so that they are not invisible. A header of its own,
// not Link: a client that reads Link as the one rel="next" of a page keeps working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/server/auth.js';
import { TOKENS, apiFixture } from './fixture.js';

const SECRET = 'a-jwt-secret-of-at-least-32-characters!!';
const tokenOf = (scope: string | string[]) => signJwt({ sub: 'lee', role: 'viewer', scope, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);

describe('GET /entities of a caller of several subtrees', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());

  const entities = async (route: string, token: string) => {
    const response = await fetch(`${api.url}${route}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, link: response.headers.get('link'), others: response.headers.get('other-roots'), body: (await response.json()) as Record<string, unknown> & Array<Record<string, unknown>> };
  };

  it('answers the first subtree and names the others, in order, those not in the tree left out', async () => {
    const answer = await entities('/entities?depth=0', tokenOf(['db', 'gone', 'web', 'db']));
    expect(answer.status).toBe(200);
    expect(answer.body['id']).toBe('db');
    expect(answer.others).toBe('web');
    expect(answer.link).toBeNull();
    const more = await entities('/entities?depth=0', tokenOf(['web', 'web-1', 'db']));
    expect(more.body['id']).toBe('web');
    expect(more.others).toBe('web-1, db');
  });

  it('answers the first subtree that is in the tree when the first scope names an entity that is gone', async () => {
    const answer = await entities('/entities?depth=0', tokenOf(['gone', 'web', 'db']));
    expect(answer.status).toBe(200);
    expect(answer.body['id']).toBe('web');
    expect(answer.others).toBe('db');
    const none = await entities('/entities?depth=0', tokenOf(['gone', 'also-gone']));
    expect(none.status).toBe(404);
    expect(JSON.stringify(none.body)).toContain('gone');
  });

  it('names them on every page of the list form, beside the Link of the next page, which is as before', async () => {
    const token = tokenOf(['web', 'db']);
    const first = await entities('/entities?format=list&limit=1', token);
    expect(first.body.map((e) => e['id'])).toEqual(['web']);
    expect(first.others).toBe('db');
    expect(first.link).toMatch(/^<\/entities\?format=list&limit=1&cursor=[^>]+>; rel="next"$/);
    const next = /^<([^>]+)>/.exec(first.link ?? '')?.[1] ?? '';
    const second = await entities(next, token);
    expect(second.others).toBe('db');
  });

  it('names nothing for a caller of one subtree or of the whole tree, nor for an explicit root', async () => {
    expect((await entities('/entities?depth=0', TOKENS.scoped)).others).toBeNull();
    expect((await entities('/entities?depth=0', TOKENS.viewer)).others).toBeNull();
    expect((await entities('/entities?depth=0&root=web', tokenOf(['db', 'web']))).others).toBeNull();
  });

  it('is in the OpenAPI document', async () => {
    const paths = (await api.call('GET', '/docs', undefined)).body['paths'] as Record<string, { get?: { description?: string } }>;
    expect(paths['/entities']?.get?.description).toContain('Other-Roots');
  });
});
