import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../sensors/feeds/scan/fixtures', name), 'utf8');
const TOKENS = { acme: 'acme-operator-token-0000', viewer: 'acme-viewer-token-00000', globex: 'globex-operator-token-00' };
const BODY_LIMIT = 16 * 1024;

let clock: VirtualClock;
let deployment: Deployment;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  clock = new VirtualClock();
  const blueprint = await parseBlueprint(`
name: findings
application:
  id: platform
  children:
    - id: shop
      type: application
      tenant: acme
      sensors:
        - { name: scans, type: json, pushable: true }
        - { name: fed, type: json }
      policies:
        - use: remediation
          config: { findings: scans, evaluationInterval: 5s, healthTimeout: 20s, verifyTimeout: 30s }
      children:
        - id: api
          type: cluster
          config: { initialSize: 2 }
          quorum: { from: members, rule: atLeast, n: 1 }
          memberSpec:
            type: sim.server
            config: { bootTime: 5s, version: "4.18.2" }
            sensors: [{ name: inventory, type: json, pushable: true }]
    - id: globex
      type: application
      tenant: globex
      sensors: [{ name: vulnerabilities, type: json, pushable: true }]
`, path.resolve('findings.yaml'));
  deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  await clock.advanceBy(0);
  // each server says what it runs, as an exec feed of the process would
  for (const member of deployment.tree.get('api').members) {
    member.sensor<string>('version').observations$.subscribe((o) => member.sensor('inventory').publish([{ name: 'express', version: o.value, ecosystem: 'npm' }]));
  }
  await clock.advanceBy(10_000);
  app = Fastify();
  await app.register(homeostatPlugin, {
    deployment,
    registry: new Registry(),
    reportBodyLimit: BODY_LIMIT,
    auth: {
      tokens: [
        { token: TOKENS.acme, name: 'ann', role: 'operator', tenant: 'acme' },
        { token: TOKENS.viewer, name: 'vic', role: 'viewer', tenant: 'acme' },
        { token: TOKENS.globex, name: 'gus', role: 'operator', tenant: 'globex' },
      ],
    },
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
  await deployment?.stop({ graceMs: 0 });
});

async function post(route: string, token: string | undefined, body: string, contentType = 'application/json') {
  const response = await fetch(`${url}${route}`, { method: 'POST', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': contentType }, body });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
}

const versions = () => deployment.tree.get('api').members.map((m) => String(m.sensor('version').value));

describe('POST /entities/:id/findings: a raw scanner report over HTTP', () => {
  it("parses a Trivy report into the remediation policy's findings sensor, and the policy fixes the servers", async () => {
    const answer = await post('/entities/shop/findings', TOKENS.acme, fixture('trivy-image.json'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ entity: 'shop', sensor: 'scans', format: 'trivy', findings: 5 });
    const value = deployment.tree.get('shop').sensor<Array<{ id: string; package: string }>>('scans').value ?? [];
    expect(value.map((f) => `${f.package} ${f.id}`)).toContain('express CVE-2024-29041');
    await clock.advanceBy(120_000);
    expect(versions()).toEqual(['4.20.0', '4.20.0']);
  });

  it('tells Grype from OSV by their fields, takes text bodies (curl --data-binary), and honours ?format', async () => {
    const grype = await post('/entities/shop/findings', TOKENS.acme, fixture('grype-image.json'), 'text/plain');
    expect(grype.status).toBe(200);
    expect(grype.body).toMatchObject({ format: 'grype', sensor: 'scans' });
    expect(grype.body['findings']).toBeGreaterThan(0);
    const osv = await post('/entities/shop/findings?format=osv', TOKENS.acme, fixture('osv-express.json'), 'application/octet-stream');
    expect(osv.status).toBe(200);
    expect(osv.body).toMatchObject({ format: 'osv', findings: 2 });
    // a Trivy report read as Grype is refused, naming what is missing
    const forced = await post('/entities/shop/findings?format=grype', TOKENS.acme, fixture('trivy-image.json'));
    expect(forced.status).toBe(400);
    expect(forced.body['problems']).toEqual(['matches: Invalid input: expected array, received undefined']);
  });

  it('refuses a malformed report with 400 naming each field, and changes nothing', async () => {
    const before = deployment.tree.get('shop').sensor('scans').current;
    const report = JSON.parse(fixture('trivy-image.json')) as { Results: Array<{ Vulnerabilities: Array<Record<string, unknown>> }> };
    (report.Results[0] as { Vulnerabilities: Array<Record<string, unknown>> }).Vulnerabilities[0] = { VulnerabilityID: 'CVE-1', PkgName: 7, InstalledVersion: '1' };
    const bad = await post('/entities/shop/findings', TOKENS.acme, JSON.stringify(report));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'E_SCAN_REPORT', format: 'trivy', problems: ['Results.0.Vulnerabilities.0.PkgName: Invalid input: expected string, received number'] });
    expect(String(bad.body['error'])).toMatch(/^report for shop.scans: not a readable Trivy JSON report: Results.0.Vulnerabilities.0.PkgName/);
    const notJson = await post('/entities/shop/findings', TOKENS.acme, '{"SchemaVersion": 2, ', 'text/plain');
    expect(notJson.status).toBe(400);
    expect((notJson.body['problems'] as string[])[0]).toMatch(/^\(root\): .*JSON/);
    const unknown = await post('/entities/shop/findings', TOKENS.acme, '{"hello": "world"}');
    expect(unknown.status).toBe(400);
    expect(String(unknown.body['error'])).toContain('neither Trivy JSON');
    expect(deployment.tree.get('shop').sensor('scans').current).toBe(before);
  });

  it('is an operator route of the caller tenant: 401 without a token, 403 for a viewer, 404 across tenants, 409 on a sensor a feed owns', async () => {
    const report = fixture('trivy-image.json');
    expect((await post('/entities/shop/findings', undefined, report)).status).toBe(401);
    expect((await post('/entities/shop/findings', TOKENS.viewer, report)).status).toBe(403);
    expect((await post('/entities/shop/findings', TOKENS.globex, report)).status).toBe(404);
    expect((await post('/entities/globex/findings', TOKENS.acme, report)).status).toBe(404);
    // globex posts to its own entity: no remediation there, so the default sensor `vulnerabilities`
    expect((await post('/entities/globex/findings', TOKENS.globex, report)).body).toMatchObject({ sensor: 'vulnerabilities', findings: 5 });
    const owned = await post('/entities/shop/findings?sensor=fed', TOKENS.acme, report);
    expect(owned.status).toBe(409);
    expect(String(owned.body['error'])).toContain('not pushable');
    expect((await post('/entities/shop/findings?sensor=nope', TOKENS.acme, report)).status).toBe(404);
  });

  it('bounds the body: a report past the limit is 413 and publishes nothing', async () => {
    const before = deployment.tree.get('shop').sensor('scans').current;
    const report = JSON.parse(fixture('trivy-image.json')) as Record<string, unknown>;
    report['padding'] = 'x'.repeat(BODY_LIMIT);
    const big = await post('/entities/shop/findings', TOKENS.acme, JSON.stringify(report));
    expect(big.status).toBe(413);
    expect(deployment.tree.get('shop').sensor('scans').current).toBe(before);
  });

  it('audits each report by its size and count, never its content', async () => {
    const response = await fetch(`${url}/audit?limit=50`, { headers: { authorization: `Bearer ${TOKENS.acme}` } });
    const entries = (await response.json()) as Array<Record<string, unknown>>;
    const reports = entries.filter((e) => String(e['action']).startsWith('report findings to '));
    const trivy = reports.filter((e) => e['result'] === 'ok' && e['target'] === 'shop' && (e['params'] as { format?: string }).format === 'trivy');
    expect(trivy).toHaveLength(1);
    expect(trivy[0]?.['params']).toEqual({ format: 'trivy', bytes: fixture('trivy-image.json').length, findings: 5 });
    expect(reports.find((e) => e['status'] === 400)).toMatchObject({ result: 'rejected' });
    expect(JSON.stringify(reports)).not.toContain('CVE-2024-29041');
  });
});
