import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { serve } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const TOKEN = 'acme-operator-token-000';
const ADMIN = 'platform-admin-token-00';

let clock: VirtualClock;
let deployment: Deployment;
let app: Awaited<ReturnType<typeof serve>>['app'];
let url: string;

beforeAll(async () => {
  clock = new VirtualClock();
  const blueprint = await parseBlueprint(`
name: quota
tenants:
  acme:
    quota: { operations: 1 }
application:
  id: app
  children:
    - id: acme-web
      type: cluster
      tenant: acme
      config: { initialSize: 2 }
      memberSpec: { type: sim.server, config: { bootTime: 30s } }
    - id: other-web
      type: cluster
      config: { initialSize: 1 }
      memberSpec: { type: sim.server, config: { bootTime: 30s } }
`, path.resolve('quota.yaml'));
  deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  await clock.advanceBy(31_000);
  ({ app, url } = await serve(deployment, {
    port: 0,
    auth: { tokens: [{ token: TOKEN, name: 'ann', role: 'operator', tenant: 'acme' }, { token: ADMIN, name: 'pat', role: 'admin' }] },
  }));
});
afterAll(async () => {
  await clock?.advanceBy(60_000);
  await app?.close();
  await deployment?.stop();
});

async function call(method: string, route: string, token: string, body?: unknown) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & Array<Record<string, unknown>> };
}

const member = (group: string, index: number) => deployment.tree.find(group)?.members[index]?.id as string;

describe('API invocations and a concurrent operations quota', () => {
  it('refuses an invocation past the quota with 429 and the numbers, records quota_exceeded, and runs one once the quota frees', async () => {
    const first = await call('POST', `/entities/${member('acme-web', 0)}/effectors/restart?wait=0`, TOKEN, {});
    expect(first.status).toBe(202); // restarting for 30 s of virtual time: one operation of acme running

    const second = await call('POST', `/entities/${member('acme-web', 1)}/effectors/restart?wait=0`, TOKEN, {});
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({
      code: 'E_QUOTA_EXCEEDED',
      outcome: 'quota_exceeded',
      quota: { quota: 'tenant acme', counts: 'operations', used: 1, requested: 1, limit: 1 },
    });
    expect(String(second.body['error'])).toBe('quota of tenant acme: 1 of 1 operations already running; this plan would be one more');
    // nothing was invoked on the refused member: it is still up, not restarting
    expect(deployment.tree.find(member('acme-web', 1))?.sensor('service.up').value).toBe(true);

    const decision = await call('GET', `/decisions/${String(second.body['decision'])}`, TOKEN);
    expect(decision.status).toBe(200);
    expect(decision.body).toMatchObject({ outcome: 'quota_exceeded', policyName: 'api', entity: member('acme-web', 1), actions: [{ effector: 'restart' }] });
    expect(String(decision.body['reason'])).toContain('1 of 1 operations already running');
    const audit = await call('GET', '/audit?limit=20', TOKEN);
    const refusal = audit.body.find((e) => e['status'] === 429);
    expect(refusal).toMatchObject({ action: 'invoke restart', target: member('acme-web', 1), result: 'rejected' });
    expect(String(refusal?.['detail'])).toMatch(/^quota_exceeded: quota of tenant acme: 1 of 1 operations/);

    // another tenant's (here: no tenant's) subtree is not counted against acme's quota
    expect((await call('POST', `/entities/${member('other-web', 0)}/effectors/restart?wait=0`, ADMIN, {})).status).toBe(202);

    await clock.advanceBy(31_000); // the first restart ends: the operation is no longer running
    const third = await call('POST', `/entities/${member('acme-web', 1)}/effectors/restart?wait=0`, TOKEN, {});
    expect(third.status).toBe(202);
    await clock.advanceBy(31_000);
  });
});
