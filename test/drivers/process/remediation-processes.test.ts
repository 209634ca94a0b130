import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import { deploy, waitUntil } from './helpers.js';

const APP = path.resolve(import.meta.dirname, '../../../examples/remediation/app.mjs');
const REPORT = path.resolve(import.meta.dirname, '../../sensors/feeds/scan/fixtures/trivy-image.json');
const node = JSON.stringify(process.execPath);

const running: Deployment[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});

const member = (dir: string, env = '') => `
        type: process
        config:
          command: ${node}
          args: [${JSON.stringify(APP)}]
          version: "4.18.2"
          env: { APP_EXPRESS_VERSION: "{{version}}", INVENTORY_DIR: ${JSON.stringify(dir)}${env} }
          health: { http: "http://127.0.0.1:{{port}}/healthz", every: 100ms }
          stopGrace: 2s
        sensors: [{ name: inventory, type: json }]
        feeds:
          - { kind: exec, argv: [cat, "${dir}/{{id}}.json"], parse: json, sensor: inventory, every: 250ms }`;

/** A database of one process and an API of three (2 of 3 must stay up), real processes that report what they run. */
async function shop(opts: { badApiVersion?: string } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-remediate-'));
  const report = path.join(dir, 'trivy.json');
  copyFileSync(REPORT, report);
  const { deployment } = await deploy(`name: shop
application:
  id: shop
  sensors: [{ name: vulnerabilities, type: json }]
  feeds: [{ kind: scan-report, path: ${JSON.stringify(report)}, sensor: vulnerabilities, every: 500ms }]
  policies:
    - use: remediation
      config: { evaluationInterval: 250ms, healthTimeout: 8s, verifyTimeout: 8s, maxBatch: 3, dependsOn: { api: [db] } }
  children:
    - id: db
      type: process-group
      config: { initialSize: 1 }
      memberSpec:${member(dir)}
    - id: api
      type: process-group
      config: { initialSize: 3 }
      quorum: { from: members, rule: atLeast, n: 2 }
      memberSpec:${member(dir, opts.badApiVersion ? `, BAD_VERSIONS: "${opts.badApiVersion}"` : '')}
`);
  running.push(deployment);
  const tree = deployment.tree;
  const ids = ['db-1', 'api-1', 'api-2', 'api-3'];
  const installed = (id: string) => (JSON.parse(readFileSync(path.join(dir, `${id}.json`), 'utf8')) as { packages: Array<{ name: string; version: string }> }).packages.find((p) => p.name === 'express')?.version;
  const exposed = () => (tree.get('shop').sensor<Array<{ entity: string; package: string; reason: string }>>('vulnerabilities.exposed').value ?? []).map((e) => `${e.entity} ${e.package} ${e.reason}`);
  const apiUp: boolean[] = [];
  const remediations = async () => (await deployment.knowledge.queryDecisions({ limit: 1000 })).filter((d) => d.policyName === 'remediation' && d.actions.length > 0).reverse();
  return { deployment, tree, ids, installed, exposed, apiUp, remediations };
}

describe('remediation of real processes from a Trivy report', () => {
  it('updates the database, then the API one process at a time, and verifies each by the inventory the process writes', async () => {
    const s = await shop();
    await waitUntil(() => s.ids.every((id) => s.tree.find(id)?.sensor('service.up').value === true), 15_000, 'four processes up');
    s.tree.get('api').sensor<boolean>('service.up').readings$.subscribe((o) => s.apiUp.push(o.value));
    const dbUp: boolean[] = [];
    s.tree.get('db').sensor<boolean>('service.up').readings$.subscribe((o) => dbUp.push(o.value));
    await waitUntil(() => s.ids.every((id) => s.installed(id) === '4.20.0') && s.exposed().every((e) => e.includes('left-pad')) && s.tree.get('db').members.length === 1, 25_000, 'every process running express 4.20.0, verified, the database back to one process');
    // the last process's inventory can show the new version before its batch has verified it and been recorded
    const batches = await waitUntil(async () => {
      const recorded = await s.remediations();
      return recorded.length >= 7 && recorded;
    }, 10_000, 'the seven batches recorded');
    // the database is one process: a second one is started first (surge), both are updated, the newest retired
    expect(batches.map((d) => `${d.outcome} ${d.actions.map((a) => a.entity).join(',')}`)).toEqual(['applied db', 'applied db-1', 'applied db-2', 'applied db', 'applied api-1', 'applied api-2', 'applied api-3']);
    expect(s.apiUp).not.toContain(false);
    expect(dbUp).not.toContain(false);
    expect(s.exposed()).toEqual(['db-1 left-pad no_fix', 'api-1 left-pad no_fix', 'api-2 left-pad no_fix', 'api-3 left-pad no_fix']);
  }, 40_000);

  it('a fixed version that does not start fails the health gate: rolled back to the running version and reported', async () => {
    const s = await shop({ badApiVersion: '4.20.0' });
    await waitUntil(() => s.exposed().includes('api-1 express health_gate_failed'), 20_000, 'the failed fix reported');
    await waitUntil(() => s.tree.find('api-1')?.sensor('service.up').value === true && s.installed('api-1') === '4.18.2', 10_000, 'api-1 back on 4.18.2');
    const batches = await s.remediations();
    expect(batches.map((d) => `${d.outcome} ${d.actions.map((a) => a.entity).join(',')}`)).toEqual(['applied db', 'applied db-1', 'applied db-2', 'applied db', 'failed api-1']);
    expect(s.installed('db-1')).toBe('4.20.0');
    expect(s.exposed()).toContain('api-2 express health_gate_failed');
  }, 40_000);
});
