// A scanner report sent as text/plain or application/octet-stream is checked as an application/json body is:
// a key that could change a prototype, or nesting past the bound, is refused with 400 E_BODY_JSON saying where.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const report = JSON.parse(readFileSync(path.join(import.meta.dirname, '../sensors/feeds/scan/fixtures/trivy-image.json'), 'utf8')) as Record<string, unknown>;
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/octet-stream'];

let deployment: Deployment;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  const blueprint = await parseBlueprint('name: f\napplication:\n  id: shop\n  sensors: [{ name: vulnerabilities, type: json, pushable: true }]\n', path.resolve('findings.yaml'));
  deployment = await Deployment.create(blueprint, { scheduler: new VirtualClock() });
  deployment.start();
  app = Fastify();
  await app.register(homeostatPlugin, { deployment, docs: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
  await deployment.stop();
});

async function post(body: string, contentType: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/entities/shop/findings`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /entities/:id/findings and keys that could change a prototype', () => {
  it.each(CONTENT_TYPES)('refuses a report with a __proto__ key sent as %s, saying where, and publishes nothing', async (contentType) => {
    const poisoned = JSON.stringify(report).replace(/^\{/, '{"__proto__": {"polluted": 1}, ');
    const refused = await post(poisoned, contentType);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'E_BODY_JSON' });
    expect(String(refused.body['error'])).toContain("key '__proto__' at (root)");
    expect(deployment.tree.get('shop').sensor('vulnerabilities').current).toBeUndefined();
  });

  it.each(CONTENT_TYPES)('refuses a constructor.prototype key inside the report sent as %s', async (contentType) => {
    const poisoned = JSON.stringify({ ...report, Results: [{ constructor: { prototype: { polluted: 1 } } }] });
    const refused = await post(poisoned, contentType);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'E_BODY_JSON' });
    expect(String(refused.body['error'])).toContain("key 'constructor.prototype' at Results.0");
  });

  it.each(CONTENT_TYPES)('refuses a report nested past the bound sent as %s', async (contentType) => {
    const refused = await post(`${'['.repeat(1_000)}${']'.repeat(1_000)}`, contentType);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'E_BODY_JSON' });
    expect(String(refused.body['error'])).toContain('deeper than 256 levels');
  });

  it.each(CONTENT_TYPES)('still takes the same report without the key, sent as %s', async (contentType) => {
    const taken = await post(JSON.stringify(report), contentType);
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ entity: 'shop', sensor: 'vulnerabilities', format: 'trivy', findings: 5 });
  });
});
