// GET /me: a caller learns its name, role, tenant and subtrees from the API, instead of guessing them from refusals.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { signJwt } from '../../src/server/auth.js';
import { serve } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { TOKENS, apiFixture } from './fixture.js';

const SECRET = 'a-jwt-secret-of-at-least-32-characters!!';

describe('GET /me', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());

  it('tells a caller of the whole tree its name and role, scopes null and the tree\'s root', async () => {
    const me = await api.call('GET', '/me', TOKENS.admin);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ name: 'alice', role: 'admin', scopes: null, roots: [{ id: 'app', path: '/app', type: 'entity' }] });
  });

  it('tells a scoped token its scope and where it is', async () => {
    const me = await api.call('GET', '/me', TOKENS.scoped);
    expect(me.body).toEqual({ name: 'dana', role: 'operator', scopes: ['db'], roots: [{ id: 'db', path: '/app/db', type: 'sim.database' }] });
  });

  it('lists every scope of a JWT in its order, one naming no entity as missing, and when the token expires', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = signJwt({ sub: 'lee', role: 'viewer', scope: ['db', 'gone', 'web'], exp }, SECRET);
    const me = await api.call('GET', '/me', token);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      name: 'lee',
      role: 'viewer',
      scopes: ['db', 'gone', 'web'],
      roots: [{ id: 'db', path: '/app/db', type: 'sim.database' }, { id: 'gone', missing: true }, { id: 'web', path: '/app/web', type: 'cluster' }],
      // the fixture's clock skew (30 s) included, as every other check of the token does
      expiresAt: new Date((exp + 30) * 1000).toISOString(),
    });
  });

  it('is 401 without a valid token', async () => {
    expect((await api.call('GET', '/me', undefined)).status).toBe(401);
    expect((await api.call('GET', '/me', 'not-a-token-of-this-service')).status).toBe(401);
  });

  it('is a read: it leaves nothing in the audit log', async () => {
    const before = (await api.call('GET', '/audit?limit=10000', TOKENS.admin)).body.length;
    for (const token of [TOKENS.admin, TOKENS.viewer, TOKENS.scoped]) expect((await api.call('GET', '/me', token)).status).toBe(200);
    expect((await api.call('GET', '/audit?limit=10000', TOKENS.admin)).body.length).toBe(before);
  });

  it('is in the OpenAPI document with the shape of its answer', async () => {
    const paths = (await api.call('GET', '/docs', undefined)).body['paths'] as Record<string, { get?: { summary?: string; responses?: Record<string, { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }> } }>;
    const me = paths['/me']?.get;
    expect(me?.summary).toMatch(/who you are/i);
    const schema = me?.responses?.['200']?.content?.['application/json']?.schema;
    expect(Object.keys(schema?.properties ?? {})).toEqual(expect.arrayContaining(['name', 'role', 'tenant', 'scopes', 'roots', 'expiresAt']));
  });
});

describe('GET /me of a tenant\'s token', () => {
  const TENANT_TOKENS = { acme: 'acme-operator-token-0000', nosy: 'acme-scoped-to-globex-00', empty: 'tenant-owning-nothing-00' };
  let served: Awaited<ReturnType<typeof serve>>;
  let deployment: Deployment;
  beforeAll(async () => {
    const clock = new VirtualClock();
    const blueprint = await parseBlueprint(`
name: tenants
application:
  id: app
  children:
    - { id: acme-web, tenant: acme }
    - { id: acme-db, tenant: acme }
    - { id: globex-web, tenant: globex }
`, path.resolve('tenants.yaml'));
    deployment = await Deployment.create(blueprint, { scheduler: clock });
    deployment.start();
    served = await serve(deployment, {
      port: 0,
      auth: {
        tokens: [
          { token: TENANT_TOKENS.acme, name: 'ann', role: 'operator', tenant: 'acme' },
          { token: TENANT_TOKENS.nosy, name: 'mal', role: 'admin', tenant: 'acme', scope: ['acme-db', 'globex-web'] },
          { token: TENANT_TOKENS.empty, name: 'ida', role: 'viewer', tenant: 'initech' },
        ],
      },
    });
  });
  afterAll(async () => {
    await served.close(0);
    await deployment.stop();
  });
  const me = async (token: string) => (await fetch(`${served.url}/me`, { headers: { authorization: `Bearer ${token}` } })).json();

  it('gives a tenant\'s token without a scope its tenant\'s subtrees', async () => {
    expect(await me(TENANT_TOKENS.acme)).toEqual({
      name: 'ann',
      role: 'operator',
      tenant: 'acme',
      scopes: ['acme-web', 'acme-db'],
      roots: [{ id: 'acme-web', path: '/app/acme-web', type: 'entity' }, { id: 'acme-db', path: '/app/acme-db', type: 'entity' }],
    });
  });

  it('lists a scope in another tenant as missing, as if it did not exist', async () => {
    expect(await me(TENANT_TOKENS.nosy)).toEqual({
      name: 'mal',
      role: 'admin',
      tenant: 'acme',
      scopes: ['acme-db', 'globex-web'],
      roots: [{ id: 'acme-db', path: '/app/acme-db', type: 'entity' }, { id: 'globex-web', missing: true }],
    });
  });

  it('gives a tenant that owns nothing no subtree, never the whole tree', async () => {
    expect(await me(TENANT_TOKENS.empty)).toEqual({ name: 'ida', role: 'viewer', tenant: 'initech', scopes: [], roots: [] });
  });
});
