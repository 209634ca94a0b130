// The failover policy's deadlines on a clock that moves within a turn, as a real one does: Node times a timer
// from the start of the event-loop turn that armed it, and Date.now() is read later in that turn, so a timer
// can fire while the clock still reads a little before its deadline. The policy's reconsideration when the old
// primary's lease runs out, and when its recovery block ends, then found the deadline not yet reached and
// waited for the next retry tick (up to retryInterval, 60 s by default) to promote.
import { describe, expect, it } from 'vitest';
import { movingWithinTurn } from '../support/moving-clock.js';
import { scenario } from './helpers.js';

/** `<whole seconds> <outcome> <actions>` of the failover decisions, oldest first. */
async function failoverDecisions(run: Awaited<ReturnType<typeof scenario>>): Promise<string[]> {
  return (await run.decisions((d) => d.policy === 'db/failover')).map((line) => line.replace(/^(\d+)(\.\d+)? db\/failover /, '$1 '));
}

/** A simulated database group with the failover policy: `members` are its children's config lines. */
const dbGroup = (members: readonly string[], failover: string): string =>
  ['name: db', 'application:', '  id: app', '  children:', '    - id: db', '      type: sim.db-cluster', '      children:', ...members.map((m) => `        - ${m}`), '      policies:', '        - use: failover', `          config: { ${failover} }`, ''].join('\n');

/** A primary and a replica with 30 s leases: a fence that cannot reach a partitioned primary waits for its lease. */
const leased = dbGroup(
  ['{ id: db-1, type: sim.database, config: { role: primary, weight: 2, lease: 30s } }', '{ id: db-2, type: sim.database, config: { role: replica, weight: 1, lag: 1, lease: 30s } }'],
  'failureDelay: 10s, maxLag: 5, recoveryBlock: 10m, fenceTimeout: 20s',
);

/** A primary and two replicas, a 10 min recovery block after a failover. */
const blocked = dbGroup(
  ['{ id: db-1, type: sim.database, config: { role: primary, weight: 2 } }', '{ id: db-2, type: sim.database, config: { role: replica, weight: 1, lag: 1 } }', '{ id: db-3, type: sim.database, config: { role: replica, weight: 1, lag: 1 } }'],
  'failureDelay: 10s, recoveryDelay: 20s, maxLag: 5, recoveryBlock: 10m',
);

describe('failover deadlines on a clock that moves within a turn', () => {
  for (const moving of [false, true]) {
    const clockName = moving ? 'a clock moving within a turn' : 'virtual time';
    it(`promotes when a partitioned primary's lease runs out, not a retry later (${clockName})`, async () => {
      const run = await scenario(leased);
      if (moving) movingWithinTurn(run.clock);
      await run.clock.advanceBy(60_000);
      run.host.partition('db-1');
      await run.clock.advanceBy(240_000);
      const decisions = await failoverDecisions(run);
      // blocked while the lease holds (the fence cannot reach db-1), promoted as the lease runs out at 90 s
      expect(decisions.find((d) => d.includes('promote'))).toBe('90 applied promote(db-2)');
    });

    it(`fails over a second time when the recovery block ends, not a retry later (${clockName})`, async () => {
      const run = await scenario(blocked);
      if (moving) movingWithinTurn(run.clock);
      await run.clock.advanceBy(30_000);
      run.fail('db-1');
      await run.clock.advanceBy(15_000);
      run.fail('db-2');
      await run.clock.advanceBy(700_000);
      const applied = (await failoverDecisions(run)).filter((d) => d.includes(' applied '));
      // the second failover waits out the 10 min block from the first (at 40 s), and no longer
      expect(applied.map((d) => d.split(' ')[0])).toEqual(['40', '640']);
    });
  }
});
