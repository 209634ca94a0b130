import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Entity } from '../../src/core/entity.js';
import { parseScanReport } from '../../src/sensors/feeds/scan/scan-report.js';
import { scenario } from '../scenarios/helpers.js';

const trivy = readFileSync(path.join(import.meta.dirname, '../sensors/feeds/scan/fixtures/trivy-image.json'), 'utf8');

const blueprint = (opts: { badVersion?: string; extra?: string; every?: string } = {}) => `
name: remediate
application:
  id: shop
  sensors:
    - { name: vulnerabilities, type: json, pushable: true }
    - { name: changes.frozen, type: boolean, pushable: true }
  policies:
    - use: remediation
      config:
        evaluationInterval: ${opts.every ?? '5s'}
        healthTimeout: 20s
        verifyTimeout: 30s
        maxBatch: 2
        dependsOn: { api: [db] }
        freeze: { sensor: changes.frozen }
${opts.extra ?? ''}
  children:
    - id: db
      type: cluster
      config: { initialSize: 1 }
      memberSpec:
        type: sim.server
        config: { bootTime: 5s, version: "4.18.2" }
        sensors: [{ name: inventory, type: json, pushable: true }]
    - id: api
      type: cluster
      config: { initialSize: 3 }
      quorum: { from: members, rule: atLeast, n: 2 }
      memberSpec:
        type: sim.server
        config: { bootTime: 5s, version: "4.18.2"${opts.badVersion ? `, badVersion: "${opts.badVersion}"` : ''} }
        sensors: [{ name: inventory, type: json, pushable: true }]
`;

async function deploy(opts: Parameters<typeof blueprint>[0] = {}) {
  const s = await scenario(blueprint(opts));
  // every server, those a surge adds too, reports what it runs, as an exec feed of the process would: express at its version, and left-pad
  const report = (server: Entity) =>
    server.sensor<string>('version').observations$.subscribe((o) =>
      server.sensor('inventory').publish([
        { name: 'express', version: o.value, ecosystem: 'npm' },
        { name: 'left-pad', version: '1.3.0', ecosystem: 'npm' },
      ]),
    );
  s.tree.changes$.subscribe((change) => {
    if (change.kind === 'member-added') report(change.entity);
  });
  await s.clock.advanceBy(0);
  for (const id of ['db-1', 'api-1', 'api-2', 'api-3']) report(s.tree.get(id));
  const exposed = () => (s.tree.get('shop').sensor<Array<{ entity: string; package: string; reason: string }>>('vulnerabilities.exposed').value ?? []).map((e) => `${e.entity} ${e.package} ${e.reason}`);
  const versions = () => ['db-1', 'api-1', 'api-2', 'api-3'].map((id) => `${id}=${String(s.tree.get(id).sensor('version').value)}`);
  const remediations = async () => (await s.deployment.knowledge.queryDecisions({ limit: 1000 })).filter((d) => d.policyName === 'remediation').reverse();
  return { ...s, exposed, versions, remediations };
}

describe('remediation policy in virtual time', () => {
  it('fixes the database first, then the API one member at a time (quorum 2 of 3), and verifies by the inventory', async () => {
    const s = await deploy();
    await s.clock.advanceBy(10_000);
    s.tree.get('shop').sensor('vulnerabilities').publish(parseScanReport(trivy));
    await s.clock.advanceBy(1_000);
    // db is one server (a cluster's default rule: at least one up): it is grown by one member before its update
    expect(s.exposed()).toContain('db-1 express quorum');
    expect(s.exposed()).toContain('api-1 express waiting_for_dependency');
    await s.clock.advanceBy(200_000);
    expect(s.versions()).toEqual(['db-1=4.20.0', 'api-1=4.20.0', 'api-2=4.20.0', 'api-3=4.20.0']);
    const batches = (await s.remediations()).filter((d) => d.actions.length > 0);
    // both express findings are fixed by one move, to the higher of their fixed versions on the 4.x line
    expect(batches.map((d) => `${d.outcome} ${d.actions.map((a) => `${a.effector}(${a.entity}, ${JSON.stringify(a.params)})`).join(' ')}`)).toEqual([
      'applied resize(db, {"size":2})',
      'applied update(db-1, {"version":"4.20.0"})',
      'applied update(db-2, {"version":"4.20.0"})',
      'applied resize(db, {"size":1})',
      'applied update(api-1, {"version":"4.20.0"})',
      'applied update(api-2, {"version":"4.20.0"})',
      'applied update(api-3, {"version":"4.20.0"})',
    ]);
    expect(batches[1]?.reason).toMatch(/db-1 \(express 4.18.2 -> 4.20.0\) for CVE-2024-29041, CVE-2024-43796/);
    // the api group never went below its quorum while its members were updated one by one
    expect(s.tree.get('api').sensor('service.up').value).toBe(true);
    // left-pad has no fixed release: still exposed, and said so
    expect(s.exposed()).toEqual(['db-1 left-pad no_fix', 'api-1 left-pad no_fix', 'api-2 left-pad no_fix', 'api-3 left-pad no_fix']);
    expect(s.tree.get('shop').sensor('vulnerabilities.exposed.count').value).toBe(4);
    const last = (await s.remediations()).at(-1);
    expect(last?.outcome).toBe('refused');
    expect(last?.reason).toMatch(/left-pad 1.3.0 \(CVE-2025-99999\): no fix/);
  });

  it('a fix that fails its health gate is rolled back, not tried on the other members, and reported', async () => {
    const s = await deploy({ badVersion: '4.20.0' });
    await s.clock.advanceBy(10_000);
    s.tree.get('shop').sensor('vulnerabilities').publish(parseScanReport(trivy));
    await s.clock.advanceBy(200_000);
    expect(s.versions()).toEqual(['db-1=4.20.0', 'api-1=4.18.2', 'api-2=4.18.2', 'api-3=4.18.2']);
    const batches = (await s.remediations()).filter((d) => d.actions.length > 0);
    expect(batches.map((d) => `${d.outcome} ${d.actions.map((a) => a.entity).join(',')}`)).toEqual(['applied db', 'applied db-1', 'applied db-2', 'applied db', 'failed api-1']);
    expect(batches[4]?.error?.message).toMatch(/check api-1.service.up eq true did not hold within 20000 ms/);
    expect(batches[4]?.detail).toMatch(/step 'api-1:express' failed.*api-1:express failed-compensated/);
    expect(s.exposed().filter((e) => e.includes('express'))).toEqual(['api-1 express health_gate_failed', 'api-2 express health_gate_failed', 'api-3 express health_gate_failed']);
    expect(s.tree.get('api').sensor('service.up').value).toBe(true);
  });

  it('waits for the maintenance window, and holds while frozen', async () => {
    const s = await deploy({ every: '1m', extra: '        maintenanceWindows: [{ cron: "0 2 * * *", duration: 1h }]' });
    await s.clock.advanceBy(10_000);
    s.tree.get('shop').sensor('vulnerabilities').publish(parseScanReport(trivy));
    await s.clock.advanceBy(3_600_000); // 01:00:10 UTC: the window opens at 02:00
    expect(s.versions()).toEqual(['db-1=4.18.2', 'api-1=4.18.2', 'api-2=4.18.2', 'api-3=4.18.2']);
    expect(s.exposed()).toContain('db-1 express window_closed');
    const blocked = (await s.remediations()).at(-1);
    expect(blocked?.outcome).toBe('blocked');
    expect(blocked?.reason).toMatch(/outside every maintenance window; the next opens at 1970-01-01T02:00:00.000Z/);
    s.tree.get('shop').sensor('changes.frozen').publish(true);
    await s.clock.advanceBy(3_600_000); // inside the window, but frozen
    expect(s.exposed()).toContain('db-1 express frozen');
    expect(s.versions()[0]).toBe('db-1=4.18.2');
    s.tree.get('shop').sensor('changes.frozen').publish(false);
    await s.clock.advanceBy(600_000);
    expect(s.versions()).toEqual(['db-1=4.20.0', 'api-1=4.20.0', 'api-2=4.20.0', 'api-3=4.20.0']);
  });
});
