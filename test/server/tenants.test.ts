import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { signJwt } from '../../src/server/auth.js';
import { serve } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const SECRET = 'a-jwt-secret-of-at-least-32-characters!!';
const TOKENS = {
  acme: 'acme-operator-token-0000',
  globex: 'globex-operator-token-00',
  platform: 'platform-admin-token-000',
  acmeAskingForGlobex: 'acme-scoped-to-globex-00',
};

const cluster = (id: string, tenant: string) => `
    - id: ${id}
      type: cluster
      tenant: ${tenant}
      config: { initialSize: 1 }
      memberSpec: { type: sim.server, config: { bootTime: 1s } }
      sensors: [{ name: demand, type: number, staleAfter: 1h, pushable: true }]
      policies:
        - use: autoscaler
          config: { metric: demand, target: 1, basis: total, max: 3, evaluationInterval: 1h }`;

let clock: VirtualClock;
let deployment: Deployment;
let app: Awaited<ReturnType<typeof serve>>['app'];
let url: string;

beforeAll(async () => {
  clock = new VirtualClock();
  const blueprint = await parseBlueprint(`
name: tenants
application:
  id: app
  children:${cluster('acme-web', 'acme')}${cluster('globex-web', 'globex')}
`, path.resolve('tenants.yaml'));
  deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  await clock.advanceBy(2000);
  ({ app, url } = await serve(deployment, {
    port: 0,
    auth: {
      tokens: [
        { token: TOKENS.acme, name: 'ann', role: 'operator', tenant: 'acme' },
        { token: TOKENS.globex, name: 'gus', role: 'operator', tenant: 'globex' },
        { token: TOKENS.platform, name: 'pat', role: 'admin' },
        { token: TOKENS.acmeAskingForGlobex, name: 'mal', role: 'admin', tenant: 'acme', scope: 'globex-web' },
      ],
      jwtSecret: SECRET,
    },
  }));
  // activity in both tenants: pushed readings, decisions of each autoscaler, API invocations, audit entries
  for (const [token, id] of [[TOKENS.acme, 'acme-web'], [TOKENS.globex, 'globex-web']] as const) {
    expect((await call('POST', `/entities/${id}/sensors/demand`, token, { value: 3 })).status).toBe(200);
    expect((await call('POST', `/policies/${id}%2Fautoscaler/dry-run`, token, { enabled: false })).status).toBe(200);
  }
  await clock.advanceBy(5000);
});
afterAll(async () => {
  // lets the restart started through the API finish in virtual time, so closing waits on nothing
  await clock?.advanceBy(10_000);
  await app?.close();
  await deployment?.stop();
});

async function call(method: string, route: string, token: string, body?: unknown) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & Array<Record<string, unknown>> };
}

const member = (group: string) => deployment.tree.find(group)?.members[0]?.id as string;

describe('tenants: nothing crosses', () => {
  it('answers another tenant\'s entities, sensors, feeds and history as unknown (404), the own ones as usual', async () => {
    const globexMember = member('globex-web');
    for (const route of ['/entities/globex-web', `/entities/${globexMember}`, '/entities/globex-web/sensors/demand/history', '/entities/globex-web/feeds', '/entities?root=globex-web', '/decisions?entity=globex-web']) {
      const answer = await call('GET', route, TOKENS.acme);
      expect(answer.status, route).toBe(404);
      expect(answer.text).not.toContain('gus');
    }
    expect((await call('GET', '/entities/acme-web', TOKENS.acme)).status).toBe(200);
    expect((await call('GET', `/entities/${member('acme-web')}`, TOKENS.acme)).status).toBe(200);
    const tree = await call('GET', '/entities', TOKENS.acme);
    expect(tree.status).toBe(200);
    expect(tree.text).toContain('acme-web');
    expect(tree.text).not.toContain('globex');
  });

  it('refuses to act on another tenant: effectors, pushed readings, policy changes', async () => {
    const globexMember = member('globex-web');
    expect((await call('POST', `/entities/${globexMember}/effectors/restart`, TOKENS.acme, {})).status).toBe(404);
    expect((await call('POST', '/entities/globex-web/sensors/demand', TOKENS.acme, { value: 99 })).status).toBe(404);
    expect(deployment.tree.find('globex-web')?.sensor('demand').value).toBe(3);
    for (const action of ['suspend', 'resume']) expect((await call('POST', `/policies/globex-web%2Fautoscaler/${action}`, TOKENS.acme, {})).status).toBe(403);
    expect((await call('POST', '/policies/globex-web%2Fautoscaler/dry-run', TOKENS.acme, { enabled: true })).status).toBe(403);
    expect((await call('PUT', '/policies/globex-web%2Fautoscaler/config', TOKENS.acme, { config: { metric: 'demand', target: 1, basis: 'total', max: 1 } })).status).toBe(403);
    expect(deployment.engine.policy('globex-web/autoscaler').suspended).toBe(false);
    // the own tenant's effector runs, and its invocation can be polled by the own tenant only
    const own = await call('POST', `/entities/${member('acme-web')}/effectors/restart?wait=0`, TOKENS.acme, {});
    expect(own.status).toBe(202);
    const poll = String(own.body['poll'] ?? own.body['location'] ?? `/invocations/${String(own.body['id'])}`);
    expect((await call('GET', poll, TOKENS.globex)).status).toBe(403);
    expect((await call('GET', poll, TOKENS.acme)).status).toBe(200);
  });

  it('filters lists: decisions, audit, policies and feeds show the own tenant only', async () => {
    const decisions = await call('GET', '/decisions?limit=1000', TOKENS.acme);
    expect(decisions.body.length).toBeGreaterThan(0);
    expect(decisions.body.every((d) => String(d['entity']).startsWith('acme'))).toBe(true);
    const all = await call('GET', '/decisions?limit=1000', TOKENS.platform);
    const foreign = all.body.find((d) => String(d['entity']).startsWith('globex'));
    expect(foreign).toBeDefined();
    expect((await call('GET', `/decisions/${String(foreign?.['id'])}`, TOKENS.acme)).status).toBe(403);
    const audit = await call('GET', '/audit?limit=1000', TOKENS.acme);
    expect(audit.body.length).toBeGreaterThan(0);
    expect(audit.text).not.toContain('globex');
    expect(audit.text).not.toContain('gus');
    expect((await call('GET', '/audit?limit=1000', TOKENS.platform)).text).toContain('gus');
    const policies = await call('GET', '/policies', TOKENS.acme);
    expect(policies.body.map((p) => p['id'])).toEqual(['acme-web/autoscaler']);
    expect((await call('GET', '/policies/globex-web%2Fautoscaler', TOKENS.acme)).status).toBe(403);
    expect((await call('GET', '/feeds', TOKENS.acme)).text).not.toContain('globex');
  });

  it('narrows a token scope to its tenant: a scope in another tenant gives nothing, not that subtree', async () => {
    expect((await call('GET', '/entities/globex-web', TOKENS.acmeAskingForGlobex)).status).toBe(404);
    expect((await call('GET', '/entities/acme-web', TOKENS.acmeAskingForGlobex)).status).toBe(403);
    expect((await call('GET', '/decisions', TOKENS.acmeAskingForGlobex)).body).toEqual([]);
    expect((await call('GET', '/policies', TOKENS.acmeAskingForGlobex)).body).toEqual([]);
  });

  it('takes the tenant from a JWT claim the same way', async () => {
    const jwt = signJwt({ sub: 'jay', role: 'viewer', tenant: 'globex', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET);
    expect((await call('GET', '/entities/globex-web', jwt)).status).toBe(200);
    expect((await call('GET', '/entities/acme-web', jwt)).status).toBe(404);
    const unknownTenant = signJwt({ sub: 'x', role: 'admin', tenant: 'initech', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET);
    expect((await call('GET', '/entities/acme-web', unknownTenant)).status).toBe(404);
    expect((await call('GET', '/decisions', unknownTenant)).body).toEqual([]);
  });

  it('streams only the own tenant\'s events (SSE)', async () => {
    const controller = new AbortController();
    const response = await fetch(`${url}/stream?types=sensor,decision`, { headers: { authorization: `Bearer ${TOKENS.acme}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil('retry:');
    await call('POST', '/entities/globex-web/sensors/demand', TOKENS.globex, { value: 7 });
    await call('POST', '/entities/acme-web/sensors/demand', TOKENS.acme, { value: 5 });
    await readUntil('"value":5');
    controller.abort();
    expect(text).toContain('acme-web');
    expect(text).not.toContain('globex');
    expect(text).not.toContain('"value":7');
  });
});
