import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { serve } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

// A tenant's admin may change the config of its own policies, but not point them at another tenant's entities
// (nor at the platform's): what a config names is checked against the live tree and the caller's scope.

const TOKENS = { acmeAdmin: 'acme-admin-token-0000000', platform: 'platform-admin-token-000' };
const DR = 'acme/disaster-recovery';

let clock: VirtualClock;
let deployment: Deployment;
let app: Awaited<ReturnType<typeof serve>>['app'];
let url: string;

const step = (entity: string, effector: string, params?: unknown) => ({ id: 'only', entity, effector, ...(params === undefined ? {} : { params }) });
const drConfig = (runbook: unknown[], extra: Record<string, unknown> = {}) => ({ site: 'acme-site', failureDelay: '10s', runbook, ...extra });

beforeAll(async () => {
  clock = new VirtualClock();
  const blueprint = await parseBlueprint(`
name: scoped-config
application:
  id: platform
  children:
    - id: pager
      type: entity
      effectors: [{ name: notify, kind: http, url: "http://127.0.0.1:9/notify" }]
    - id: acme
      type: application
      tenant: acme
      quorum: { from: children, rule: atLeastOne }
      policies:
        - use: disaster-recovery
          config:
            site: acme-site
            failureDelay: 10s
            runbook: [{ id: hold, entity: acme-web, effector: setFloor, params: { min: 1, by: dr } }]
      children:
        - id: acme-site
          type: entity
          quorum: { from: children, rule: all }
          children:
            - id: acme-web
              type: cluster
              config: { initialSize: 1 }
              quorum: { from: members, rule: atLeast, n: 1 }
              memberSpec: { type: sim.server, config: { bootTime: 1s } }
    - id: globex-web
      type: cluster
      tenant: globex
      config: { initialSize: 2 }
      memberSpec: { type: sim.server, config: { bootTime: 1s } }
`, path.resolve('scoped-config.yaml'));
  deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  await clock.advanceBy(3000);
  ({ app, url } = await serve(deployment, {
    port: 0,
    auth: {
      tokens: [
        { token: TOKENS.acmeAdmin, name: 'ann', role: 'admin', tenant: 'acme' },
        { token: TOKENS.platform, name: 'pat', role: 'admin' },
      ],
    },
  }));
});
afterAll(async () => {
  await app?.close();
  await deployment?.stop();
});

async function putConfig(token: string, policy: string, config: unknown) {
  const response = await fetch(`${url}/policies/${encodeURIComponent(policy)}/config`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ config }),
  });
  return { status: response.status, body: (await response.json()) as { error?: string; message?: string; issues?: string[] } };
}

const configOf = (policy: string) => deployment.engine.attachment(policy).rawConfig;

describe('PUT /policies/:id/config checks what the config names', () => {
  it("refuses a tenant admin's runbook step on another tenant's group, naming the step and the entity; nothing changes", async () => {
    const before = configOf(DR);
    const { status, body } = await putConfig(TOKENS.acmeAdmin, DR, drConfig([step('globex-web', 'resize', { size: 0 })]));
    expect(status).toBe(403);
    expect(JSON.stringify(body)).toContain("config.runbook.0.entity names 'globex-web', outside tenant acme");
    expect(configOf(DR)).toEqual(before);
  });

  it("refuses a tenant admin's notify on the platform's pager", async () => {
    const paged = await putConfig(TOKENS.acmeAdmin, DR, drConfig([step('acme-web', 'setFloor', { min: 1, by: 'dr' })], { notify: { entity: 'pager' } }));
    expect(paged.status).toBe(403);
    expect(JSON.stringify(paged.body)).toContain("config.notify.entity names 'pager'");
  });

  it('refuses an entity not in the tree and an effector its target lacks with a 400 naming where and what', async () => {
    const unknown = await putConfig(TOKENS.platform, DR, drConfig([step('acme-wbe', 'setFloor', { min: 1, by: 'dr' })]));
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain("config.runbook.0.entity names entity 'acme-wbe', which is not in the tree");
    const effector = await putConfig(TOKENS.platform, DR, drConfig([step('acme-web', 'reboot')]));
    expect(effector.status).toBe(400);
    expect(JSON.stringify(effector.body)).toContain("effector 'reboot' on 'acme-web', which does not have it");
    const site = await putConfig(TOKENS.platform, DR, { ...drConfig([step('acme-web', 'setFloor', { min: 1, by: 'dr' })]), site: 'acme-sit' });
    expect(site.status).toBe(400);
    expect(JSON.stringify(site.body)).toContain("config.site names entity 'acme-sit'");
  });

  it("takes a tenant admin's config inside its tenant, and a platform admin's anywhere", async () => {
    expect((await putConfig(TOKENS.acmeAdmin, DR, drConfig([step('acme-web', 'setFloor', { min: 2, by: 'dr' })]))).status).toBe(200);
    expect((configOf(DR) as { runbook: Array<{ params: unknown }> }).runbook[0]?.params).toEqual({ min: 2, by: 'dr' });
    expect((await putConfig(TOKENS.platform, DR, drConfig([step('globex-web', 'setFloor', { min: 2, by: 'dr' })], { notify: { entity: 'pager' } }))).status).toBe(200);
  });
});
