import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Entity } from '../../src/core/entity.js';
import { parseScanReport } from '../../src/sensors/feeds/scan/scan-report.js';
import { scenario } from '../scenarios/helpers.js';

const trivy = readFileSync(path.join(import.meta.dirname, '../sensors/feeds/scan/fixtures/trivy-image.json'), 'utf8');

/** Two groups with no spare member: `solo` (one server, at least 1 up) and `pair` (two servers, all up). */
const blueprint = (surge: boolean) => `
name: spareless
application:
  id: shop
  sensors: [{ name: vulnerabilities, type: json, pushable: true }]
  policies:
    - use: remediation
      config: { evaluationInterval: 5s, healthTimeout: 20s, verifyTimeout: 30s, surge: ${surge} }
  children:
    - id: solo
      type: cluster
      config: { initialSize: 1 }
      quorum: { from: members, rule: atLeast, n: 1 }
      memberSpec:
        type: sim.server
        config: { bootTime: 5s, version: "4.18.2" }
        sensors: [{ name: inventory, type: json, pushable: true }]
    - id: pair
      type: cluster
      config: { initialSize: 2 }
      quorum: { from: members, rule: all }
      memberSpec:
        type: sim.server
        config: { bootTime: 5s, version: "4.18.2" }
        sensors: [{ name: inventory, type: json, pushable: true }]
`;

/** `lateMs`: a member added at run time reports its inventory this long after it starts (a slow feed). */
async function deploy(surge: boolean, lateMs = 0) {
  const s = await scenario(blueprint(surge));
  // every server, those added later too, says what it runs, as an exec feed of the process would
  const report = (server: Entity, delayMs = 0) =>
    server.sensor<string>('version').observations$.subscribe((o) => {
      const publish = () => server.sensor('inventory').publish([{ name: 'express', version: o.value, ecosystem: 'npm' }]);
      if (delayMs > 0) s.clock.schedule(publish, delayMs);
      else publish();
    });
  s.tree.changes$.subscribe((change) => {
    if (change.kind === 'member-added') report(change.entity, lateMs);
  });
  await s.clock.advanceBy(0);
  for (const group of ['solo', 'pair']) for (const member of s.tree.get(group).members) report(member);
  await s.clock.advanceBy(10_000);
  // every health reading of the groups from now on: a group that loses its quorum reads false
  const health: Record<string, boolean[]> = { solo: [], pair: [] };
  for (const group of ['solo', 'pair']) s.tree.get(group).sensor<boolean>('service.up').observations$.subscribe((o) => health[group]?.push(o.value));
  const members = (group: string) => s.tree.get(group).members.map((m) => `${m.id}=${String(m.sensor('version').value)}`);
  const remediations = async () => (await s.deployment.knowledge.queryDecisions({ limit: 1000 })).filter((d) => d.policyName === 'remediation').reverse();
  return { ...s, health, members, remediations };
}

describe('remediation of a group with no spare member', () => {
  it('grows it by one member first, updates its members one at a time, shrinks it back, and never loses its quorum', async () => {
    const s = await deploy(true);
    expect(s.tree.get('solo').sensor('service.up').value).toBe(true);
    s.tree.get('shop').sensor('vulnerabilities').publish(parseScanReport(trivy));
    await s.clock.advanceBy(300_000);
    expect(s.health['solo']).not.toContain(false);
    expect(s.tree.get('solo').sensor('service.up').value).toBe(true);
    // back to one member, fixed: the surge member (the newest) was retired
    expect(s.members('solo')).toEqual(['solo-1=4.20.0']);
    const acted = (await s.remediations()).filter((d) => d.actions.length > 0 && d.actions.some((a) => a.entity.startsWith('solo')));
    expect(acted.map((d) => `${d.outcome} ${d.actions.map((a) => `${a.effector}(${a.entity}${a.effector === 'resize' ? ` ${JSON.stringify(a.params)}` : ''})`).join(' ')}`)).toEqual([
      'applied resize(solo {"size":2})',
      'applied update(solo-1)',
      'applied update(solo-2)',
      'applied resize(solo {"size":1})',
    ]);
    expect(acted[0]?.reason).toBe('surge: solo grows to 2 members before its members are updated, so it keeps its quorum (it has no spare member)');
  });

  it('waits for the inventory of the member the surge added before it shrinks back: that member is updated too', async () => {
    // the new member is up after its 5 s boot but says what it runs only 60 s after it started, after solo-1's
    // update is verified: the evaluations in between see no inventory for it, and must not take that for
    // "nothing left to fix"
    const s = await deploy(true, 60_000);
    s.tree.get('shop').sensor('vulnerabilities').publish(parseScanReport(trivy));
    await s.clock.advanceBy(300_000);
    expect(s.members('solo')).toEqual(['solo-1=4.20.0']);
    const acted = (await s.remediations()).filter((d) => d.actions.some((a) => a.entity.startsWith('solo')));
    expect(acted.map((d) => `${d.outcome} ${d.actions.map((a) => `${a.effector}(${a.entity})`).join(' ')}`)).toEqual(['applied resize(solo)', 'applied update(solo-1)', 'applied update(solo-2)', 'applied resize(solo)']);
    expect(s.health['solo']).not.toContain(false);
  });

  it('a group whose rule needs every member is not updated: blocked, saying why, and its quorum holds', async () => {
    const s = await deploy(true);
    s.tree.get('shop').sensor('vulnerabilities').publish(parseScanReport(trivy));
    await s.clock.advanceBy(300_000);
    expect(s.health['pair']).not.toContain(false);
    expect(s.members('pair')).toEqual(['pair-1=4.18.2', 'pair-2=4.18.2']);
    const exposed = (s.tree.get('shop').sensor<Array<{ entity: string; reason: string; detail: string }>>('vulnerabilities.exposed').value ?? []).filter((e) => e.entity.startsWith('pair'));
    expect(exposed.map((e) => e.reason)).toEqual(['quorum', 'quorum']);
    expect(exposed[0]?.detail).toBe('taking pair-1 down now would cost pair its quorum (1 of 2 up (need all)); a surge cannot help (the rule needs every member, or the group cannot resize)');
    const last = (await s.remediations()).at(-1);
    expect(last?.outcome).toBe('blocked');
    expect(last?.reason).toContain('pair-1 express 4.18.2');
    expect(last?.reason).toContain('would cost pair its quorum');
  });

  it('with surge off, the one-server group is blocked too, never updated in place', async () => {
    const s = await deploy(false);
    s.tree.get('shop').sensor('vulnerabilities').publish(parseScanReport(trivy));
    await s.clock.advanceBy(300_000);
    expect(s.health['solo']).not.toContain(false);
    expect(s.members('solo')).toEqual(['solo-1=4.18.2']);
    const exposed = (s.tree.get('shop').sensor<Array<{ entity: string; reason: string; detail: string }>>('vulnerabilities.exposed').value ?? []).find((e) => e.entity === 'solo-1');
    expect(exposed).toMatchObject({ reason: 'quorum', detail: 'taking solo-1 down now would cost solo its quorum (0 of 1 up (need at least 1))' });
    expect((await s.remediations()).at(-1)?.outcome).toBe('blocked');
  });
});
