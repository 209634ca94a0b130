// The failover policy over a real PostgreSQL group that something else fails over (a person, or a tool homeostat
// cannot see): with `external: true` it only observes; without it, a standby promoted by hand (pg_promote)
// before the failure delay ends makes it stand down for the failure. One writable primary throughout.
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import type { TestPostgres } from '../../support/postgres-cluster.js';
import { deploy, waitUntil } from '../process/helpers.js';
import { pgChild, probeWritable, query, replicatedPostgres } from './helpers.js';

const servers: TestPostgres[] = [];
const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const s of servers.splice(0)) await s.dispose();
});

async function group(failureDelay: string, policyExtra = '') {
  const list = await replicatedPostgres(2);
  servers.push(...list);
  const [p, s1, s2] = list as [TestPostgres, TestPostgres, TestPostgres];
  const text = `name: pg\napplication:\n  id: app\n  children:\n    - id: pgs\n      type: postgres-replication-group\n      config: { every: 100ms, failureDelay: ${failureDelay} }\n      children:\n${pgChild('p', p)}${pgChild('s1', s1)}${pgChild('s2', s2)}      policies:\n        - use: failover\n          config: { failureDelay: ${failureDelay}, recoveryDelay: 2s, promoteTimeout: 10s, maxLag: 5${policyExtra} }\n`;
  const { deployment } = await deploy(text);
  deployments.push(deployment);
  const decisions: Decision[] = [];
  deployment.engine.decisions$.subscribe((d) => decisions.push(d));
  const db = (id: string) => deployment.tree.get(id);
  await waitUntil(() => db('pgs').sensor('primary').value === 'p' && db('s1').sensor('replication.lag').value === 0 && db('s2').sensor('replication.lag').value === 0, 10_000, 'p primary, standbys in sync');
  // plain PostgreSQL: no Patroni session on any server
  expect(['p', 's1', 's2'].map((id) => db(id).sensor('patroni').value)).toEqual([0, 0, 0]);
  return { p, s1, s2, deployment, decisions, db };
}

describe('failover of a real PostgreSQL group beside another failover', () => {
  it('external: true: kill -9 of the primary is a refused decision saying so; nothing fenced or promoted', async () => {
    const { p, s1, s2, deployment, decisions, db } = await group('1s', ', external: true');
    const probe = probeWritable([p.port, s1.port, s2.port]);
    await p.kill();
    const refused = await waitUntil(() => decisions.find((d) => d.symptom.kind === 'down'), 15_000, 'a decision on the failed primary');
    // a few more polls: nothing follows the decision
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const samples = await probe.stop();
    expect(refused.outcome).toBe('refused');
    expect(refused.reason).toBe('primary p has been down for 1 s, but another system fails this group over (external: true): observing only, not failing over');
    expect(await deployment.knowledge.queryInvocations({})).toEqual([]);
    expect([db('s1'), db('s2')].map((e) => e.sensor('role').value)).toEqual(['replica', 'replica']);
    expect(samples.every((s) => s.writable.length === 0 || (s.writable.length === 1 && s.writable[0] === p.port))).toBe(true);
  }, 60_000);

  it('a standby promoted by hand (pg_promote) before the failure delay ends: the policy stands down for the failure, one writable primary throughout', async () => {
    const { p, s1, s2, deployment, decisions, db } = await group('3s');
    const probe = probeWritable([p.port, s1.port, s2.port]);
    await p.kill();
    // a person (or a tool homeostat cannot see) fails over first: s2, not the policy's pick (s1)
    expect(await query(s2.port, 'SELECT pg_promote(true, 30)', 35_000)).toBeDefined();
    const refused = await waitUntil(() => decisions.find((d) => d.symptom.kind === 'down'), 20_000, 'a decision on the failed primary');
    await waitUntil(() => db('pgs').sensor('primary').value === 's2', 10_000, 'the group naming s2');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const samples = await probe.stop();
    expect(refused.outcome).toBe('refused');
    expect(refused.reason).toMatch(/^primary p has been down for 3 s, but s2 is the writable primary now and this policy did not promote it/);
    expect(decisions.find((d) => d.symptom.kind === 'new-primary')?.reason).toMatch(/^s2 is the writable primary in place of p, and this policy did not promote it/);
    const invocations = await deployment.knowledge.queryInvocations({});
    expect(invocations.filter((r) => r.effector === 'promote' || r.effector === 'fence')).toEqual([]);
    expect(db('s1').sensor('role').value).toBe('replica');
    expect(samples.every((s) => s.writable.length <= 1)).toBe(true);
  }, 60_000);
});
