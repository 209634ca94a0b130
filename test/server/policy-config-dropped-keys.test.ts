import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { serve } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

// A policy module whose config schema is a plain z.object drops keys it does not know; a config changed
// through the API with a misspelt key must be refused (naming the key), not applied on the default.

const TOKEN = 'platform-admin-token-000';
const POLICY = 'app/loose-config';
const fixtures = path.join(import.meta.dirname, '..', 'blueprint', 'fixtures');

let deployment: Deployment;
let app: Awaited<ReturnType<typeof serve>>['app'];
let url: string;

beforeAll(async () => {
  const clock = new VirtualClock();
  const blueprint = await parseBlueprint('name: t\napplication:\n  id: app\n  type: application\n  policies:\n    - module: ./modules/loose-config-policy.ts\n      config: { limits: { max: 2 } }\n', path.join(fixtures, 'inline.yaml'));
  deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  ({ app, url } = await serve(deployment, { port: 0, auth: { tokens: [{ token: TOKEN, name: 'pat', role: 'admin' }] } }));
});
afterAll(async () => {
  await app?.close();
  await deployment?.stop();
});

async function putConfig(config: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/policies/${encodeURIComponent(POLICY)}/config`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ config }),
  });
  return { status: response.status, text: await response.text() };
}

describe('PUT /policies/:id/config with a key the policy schema drops', () => {
  it('refuses it with 400 naming the key and the one meant, and keeps the config', async () => {
    const before = deployment.engine.attachment(POLICY).rawConfig;
    const { status, text } = await putConfig({ limits: { mx: 4 } });
    expect(status).toBe(400);
    expect(text).toContain("limits.mx: unknown key 'mx' (did you mean 'max'?)");
    expect(deployment.engine.attachment(POLICY).rawConfig).toEqual(before);
  });

  it('takes the same change with the key spelt right', async () => {
    expect((await putConfig({ limits: { max: 4 } })).status).toBe(200);
    expect(deployment.engine.attachment(POLICY).rawConfig).toEqual({ limits: { max: 4 } });
  });
});
