import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { serve } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const TOKENS = { acme: 'acme-admin-token-000000', platform: 'platform-viewer-token-00' };

async function deploy(tenants: boolean) {
  const clock = new VirtualClock();
  const blueprint = await parseBlueprint(`
name: metrics
application:
  id: app
  children:
    - id: acme-web
      type: cluster
      ${tenants ? 'tenant: acme' : ''}
      config: { initialSize: 1 }
      memberSpec: { type: sim.server, config: { bootTime: 1s } }
`, path.resolve('metrics.yaml'));
  const deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  await clock.advanceBy(2000);
  const { app, url } = await serve(deployment, {
    port: 0,
    auth: { tokens: [{ token: TOKENS.acme, name: 'ann', role: 'admin', tenant: 'acme' }, { token: TOKENS.platform, name: 'prom', role: 'viewer' }] },
  });
  const get = async (token?: string) => {
    const response = await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, text: await response.text() };
  };
  return { get, close: async () => { await app.close(); await deployment.stop({ graceMs: 0 }); } };
}

describe('/metrics on a multi-tenant service', () => {
  let withTenants: Awaited<ReturnType<typeof deploy>>;
  let withoutTenants: Awaited<ReturnType<typeof deploy>>;
  beforeAll(async () => {
    withTenants = await deploy(true);
    withoutTenants = await deploy(false);
  });
  afterAll(async () => {
    await withTenants?.close();
    await withoutTenants?.close();
  });

  it('needs a token once a subtree belongs to a tenant, and refuses a tenant token: the series are platform-wide', async () => {
    expect((await withTenants.get()).status).toBe(401);
    const tenant = await withTenants.get(TOKENS.acme);
    expect(tenant.status).toBe(403);
    expect(JSON.parse(tenant.text)).toEqual({ error: 'metrics are platform-wide (no series names an entity), so a token of tenant acme may not read them: read your subtrees\' decisions at /decisions and /stream' });
    expect(tenant.text).not.toContain('homeostat_');
    const platform = await withTenants.get(TOKENS.platform);
    expect(platform.status).toBe(200);
    expect(platform.text).toContain('homeostat_entities');
  });

  it('stays open to scrapers without a token when no subtree belongs to a tenant', async () => {
    const open = await withoutTenants.get();
    expect(open.status).toBe(200);
    expect(open.text).toContain('homeostat_entities');
  });
});
