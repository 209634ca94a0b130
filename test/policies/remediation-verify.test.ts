import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Entity } from '../../src/core/entity.js';
import { parseScanReport } from '../../src/sensors/feeds/scan/scan-report.js';
import { scenario } from '../scenarios/helpers.js';

const trivy = readFileSync(path.join(import.meta.dirname, '../sensors/feeds/scan/fixtures/trivy-image.json'), 'utf8');

/** Two servers that push their inventory when what they run changes (a host agent, not a feed that polls). */
const blueprint = `
name: verify
application:
  id: shop
  sensors: [{ name: vulnerabilities, type: json, pushable: true }]
  policies:
    - use: remediation
      config: { evaluationInterval: 5s, healthTimeout: 20s, verifyTimeout: 30s }
  children:
    - id: api
      type: cluster
      config: { initialSize: 3 }
      memberSpec:
        type: sim.server
        config: { bootTime: 5s, version: "4.18.2" }
        sensors: [{ name: inventory, type: json, pushable: true }]
`;

async function deploy() {
  const s = await scenario(blueprint);
  // the inventory is pushed once per change of version: when the update installs it, before the server is up
  const push = (server: Entity) => server.sensor<string>('version').observations$.subscribe((o) => server.sensor('inventory').publish([{ name: 'express', version: o.value, ecosystem: 'npm' }]));
  await s.clock.advanceBy(0);
  for (const member of s.tree.get('api').members) push(member);
  await s.clock.advanceBy(10_000);
  const remediations = async () => (await s.deployment.knowledge.queryDecisions({ limit: 1000 })).filter((d) => d.policyName === 'remediation').reverse();
  return { ...s, remediations };
}

describe('remediation verifies a fix by an inventory pushed when it changed', () => {
  it('counts the reading the update itself caused, and says in each decision what it verified', async () => {
    const s = await deploy();
    s.tree.get('shop').sensor('vulnerabilities').publish(parseScanReport(trivy));
    await s.clock.advanceBy(300_000);
    expect(s.tree.get('api').members.map((m) => `${m.id}=${String(m.sensor('version').value)}`)).toEqual(['api-1=4.20.0', 'api-2=4.20.0', 'api-3=4.20.0']);
    const reasons = (await s.remediations()).map((d) => d.reason);
    // before: the inventory pushed as the update installed 4.20.0 was older than the decision (recorded once
    // the server was up), so no reading ever counted: api-3's fix was reported failed 30 s after it was up,
    // and the verifications of api-1 and api-2 were never said at all
    expect(reasons.filter((r) => /fix failed/.test(r))).toEqual([]);
    expect(reasons.filter((r) => r.startsWith('verified'))).toEqual([
      expect.stringMatching(/^verified api-1 by their inventory\. batch 2: api-2 \(express 4\.18\.2 -> 4\.20\.0\)/),
      expect.stringMatching(/^verified api-2 by their inventory\. batch 3: api-3 /),
      'verified api-3 by their inventory. shop/remediation: nothing else is exposed',
    ]);
  });
});
