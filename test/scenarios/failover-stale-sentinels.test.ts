// The failover policy stands down while Redis Sentinels watch its servers, as the servers that answer say now:
// a count a server gave before it went down (it cannot be read since) does not keep the policy from acting.
import { describe, expect, it } from 'vitest';
import { SENTINELS_SENSOR } from '../../src/drivers/redis/sentinel-watchers.js';
import { scenario } from './helpers.js';

const blueprint = `
name: db
application:
  id: app
  children:
    - id: db
      type: sim.db-cluster
      children:
        - { id: db-1, type: sim.database, config: { role: primary } }
        - { id: db-2, type: sim.database, config: { role: replica, lag: 1 } }
        - { id: db-3, type: sim.database, config: { role: replica, lag: 1 } }
      policies:
        - use: failover
          config: { failureDelay: 10s, recoveryDelay: 20s, maxLag: 5 }
`;

/** Each server's count of Sentinels, as a Redis driver publishes it when it reads the server. */
async function withSentinelCounts() {
  const run = await scenario(blueprint);
  const count = (id: string, sentinels: number) => run.tree.get(id).addSensor(SENTINELS_SENSOR).publish(sentinels);
  return { ...run, count };
}

describe('failover and a count of Sentinels read before a server went down', () => {
  it('a replica down since before the Sentinels left does not keep the policy from failing over to another', async () => {
    const { clock, tree, fail, count, decisions } = await withSentinelCounts();
    for (const id of ['db-1', 'db-2', 'db-3']) count(id, 3);
    await clock.advanceBy(10_000);
    fail('db-3'); // its last count stays 3: it is not read again
    await clock.advanceBy(10_000);
    count('db-1', 0); // the Sentinels stop: the servers that answer read 0
    count('db-2', 0);
    await clock.advanceBy(10_000);
    fail('db-1');
    await clock.advanceBy(60_000);
    expect(await decisions((d) => d.policy === 'db/failover')).toEqual(['40 db/failover applied fence(db-1),promote(db-2)']);
    expect(tree.get('db-2').sensor('role').value).toBe('primary');
  });

  it('a primary that went down with the Sentinels (the replicas read 0) is failed over', async () => {
    const { clock, tree, fail, count, decisions } = await withSentinelCounts();
    for (const id of ['db-1', 'db-2', 'db-3']) count(id, 3);
    await clock.advanceBy(10_000);
    fail('db-1'); // its last count stays 3
    count('db-2', 0);
    count('db-3', 0);
    await clock.advanceBy(60_000);
    expect((await decisions((d) => d.policy === 'db/failover'))[0]).toMatch(/^20 db\/failover applied fence\(db-1\),promote\(db-[23]\)$/);
    expect(tree.get('db').sensor('primary').value).not.toBe('db-1');
  });

  it('Sentinels that the replicas still report keep it standing down', async () => {
    const { clock, tree, fail, count, decisions } = await withSentinelCounts();
    for (const id of ['db-1', 'db-2', 'db-3']) count(id, 3);
    await clock.advanceBy(10_000);
    fail('db-1');
    await clock.advanceBy(30_000);
    expect((await decisions((d) => d.policy === 'db/failover'))[0]).toBe('20 db/failover refused');
    expect(['db-2', 'db-3'].map((id) => tree.get(id).sensor('role').value)).toEqual(['replica', 'replica']);
  });
});
