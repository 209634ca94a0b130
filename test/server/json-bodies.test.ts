// JSON bodies that cannot be used are refused with what is wrong and where: fastify's own parser answered
// "Body is not valid JSON" for valid JSON with a '__proto__' key, and never said where a body stops being JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, apiFixture } from './fixture.js';

describe('JSON request bodies', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());
  const invoke = (body: string, headers: Record<string, string> = {}) => api.call('POST', '/entities/db/effectors/fence', TOKENS.operator, body, headers);

  it("names a '__proto__' key and where it is, and refuses it", async () => {
    const refused = await invoke('{"a":[1,{"__proto__":{"admin":true}}]}');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'E_BODY_JSON' });
    expect(refused.body['error']).toBe("the body's JSON has a key '__proto__' at a.1, which is refused (it could change the prototype of objects made from it)");
  });

  it("names a 'constructor.prototype' key and where it is", async () => {
    const refused = await invoke('{"constructor":{"prototype":{"x":1}}}');
    expect(refused.status).toBe(400);
    expect(refused.body['error']).toBe("the body's JSON has a key 'constructor.prototype' at (root), which is refused (it could change the prototype of objects made from it)");
  });

  it('says where a body stops being JSON', async () => {
    const refused = await invoke('{"size": 3,}');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'E_BODY_JSON' });
    expect(refused.body['error']).toMatch(/^the body is not JSON: .*position 11/);
  });

  it('refuses a charset other than UTF-8 by name (the body is read as UTF-8)', async () => {
    const refused = await invoke('{}', { 'content-type': 'application/json; charset=utf-16' });
    expect(refused.status).toBe(415);
    expect(refused.body['error']).toBe("a JSON body is read as UTF-8; charset 'utf-16' is not taken");
    expect((await invoke('{}', { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(200);
  });

  it('takes an empty body with content-type JSON as no body', async () => {
    const done = await invoke('');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'succeeded', effector: 'fence' });
  });

  it('takes a POST without a body (and without a content type) as no params, and a suspend as having no reason', async () => {
    const done = await api.call('POST', '/entities/db/effectors/fence', TOKENS.operator, undefined);
    expect(done.status).toBe(200);
    expect((await api.call('POST', '/policies/web%2Fautoscaler/suspend', TOKENS.operator, undefined)).status).toBe(200);
    expect((await api.call('POST', '/policies/web%2Fautoscaler/resume', TOKENS.operator, '')).status).toBe(200);
  });

  it('a body nested 250 levels deep is looked through, and its __proto__ key refused with a shortened path', async () => {
    const deep = `${'{"a":'.repeat(250)}{"__proto__":1}${'}'.repeat(250)}`;
    const refused = await invoke(deep);
    expect(refused.status).toBe(400);
    expect(refused.body['error']).toMatch(/^the body's JSON has a key '__proto__' at a\.a\.a\..*…/);
    expect(String(refused.body['error']).length).toBeLessThan(500);
  });

  it('a body nested 10,000 levels deep is refused before it is parsed', async () => {
    const refused = await invoke(`${'{"a":'.repeat(10_000)}{"__proto__":1}${'}'.repeat(10_000)}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'E_BODY_JSON', error: 'the body is not taken: it nests arrays and objects deeper than 256 levels (refused before parsing)' });
  });
});
