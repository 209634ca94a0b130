// Measures takeover (not run in CI): `homeostat run --ha` instances on a redis-server of the bench's own, the
// leader acting every 50 ms on a fenced HTTP target. KILLS times (default 50): kill -9 of the instance that
// leads, and the time until the target accepts the first action under a higher fencing token (a standby
// acting, not only holding the lease). A replacement instance is started after each kill; each kill waits for a leader that acts and a standby.
// Each takeover is split in two: what was left of the dead leader's lease in Redis when it was killed (PTTL,
// read right after the kill), and the rest (the standby noticing the lease free, taking it, reloading state,
// its next plan and the request reaching the target). Prints p50/p99/min/max of each, duplicates and token
// regressions, and the load average. Run: npx tsx bench/ha-takeover.ts (KILLS, LEASE_MS)
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { openRedis } from '../src/knowledge/redis/redis-connection.js';
import { FencedTarget } from '../test/support/fenced-target.js';
import { TestRedisServer } from '../test/support/redis-server.js';
import { leaseOf, startInstance, tickerBlueprint, until, type HaInstance } from '../test/cluster/ha-target.js';
import { emit, quantile } from './stats.js';

const KILLS = Number(process.env['KILLS'] ?? 50);
const INSTANCES = 3;
const LEASE_ARGS = process.env['LEASE_MS'] ? ['--lease', process.env['LEASE_MS']] : [];

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0] ?? 0;
  const redis = await TestRedisServer.start();
  const probe = openRedis({ url: redis.url });
  await probe.connect();
  const target = await FencedTarget.start();
  const blueprint = await tickerBlueprint(target.port, 50);
  const children = new Set<ChildProcess>();
  const pool: HaInstance[] = [];
  // replacements start in the background (a start takes long on a loaded machine); a kill waits for two standing
  const spawn = (): void => void startInstance(blueprint, redis.url, LEASE_ARGS, children).then((instance) => pool.push(instance));
  for (let i = 0; i < INSTANCES; i++) spawn();
  const takeovers: number[] = [];
  const leaseLeft: number[] = [];
  const afterExpiry: number[] = [];
  try {
    for (let k = 0; k < KILLS; k++) {
      const leader = await until('one instance leads and acts, one more stands by', 300_000, async () => {
        const live = pool.filter((i) => i.child.exitCode === null && i.child.signalCode === null);
        const roles = await Promise.all(live.map((i) => leaseOf(i)));
        const index = roles.findIndex((r) => r?.role === 'leader');
        const standing = roles.filter((r) => r?.role === 'standby').length;
        const last = target.accepted.at(-1);
        return index >= 0 && standing >= 1 && last && last.at > Date.now() - 500 ? { instance: live[index] as HaInstance, token: roles[index]?.token ?? 0 } : undefined;
      });
      const highest = Math.max(...target.accepted.map((r) => r.token ?? 0));
      const killedAt = Date.now();
      leader.instance.child.kill('SIGKILL');
      const left = Math.max(0, await probe.pttl('homeostat:{fenced}:lease:root'));
      pool.splice(pool.indexOf(leader.instance), 1);
      const first = await until('a standby acts under a higher token', 30_000, () => target.accepted.find((r) => r.at >= killedAt && (r.token ?? 0) > highest));
      takeovers.push(first.at - killedAt);
      leaseLeft.push(left);
      afterExpiry.push(first.at - killedAt - left);
      process.stderr.write(`kill ${k + 1}/${KILLS}: ${first.at - killedAt} ms (${left} ms of lease left at the kill)\n`);
      spawn();
    }
  } catch (error) {
    process.stderr.write(`stopped after ${takeovers.length} kills: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
  const sorted = [...takeovers].sort((a, b) => a - b);
  const result = {
    name: 'ha-takeover',
    kills: takeovers.length,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    minMs: sorted[0],
    maxMs: sorted.at(-1),
    actions: target.accepted.length,
    refusedStale: target.requests.length - target.accepted.length,
    duplicates: target.duplicates().length,
    regressions: target.regressions().length,
    leaseLeftP50Ms: quantile(leaseLeft, 0.5),
    leaseLeftMaxMs: Math.max(...leaseLeft),
    afterExpiryP50Ms: quantile(afterExpiry, 0.5),
    afterExpiryP99Ms: quantile(afterExpiry, 0.99),
    afterExpiryMinMs: Math.min(...afterExpiry),
    afterExpiryMaxMs: Math.max(...afterExpiry),
    loadAtStart,
    loadAtEnd: os.loadavg()[0] ?? 0,
  };
  console.log(`takeover after kill -9 of the leader over ${result.kills} kills: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (min ${result.minMs}, max ${result.maxMs}); ${result.actions} actions accepted, ${result.refusedStale} refused as stale, ${result.duplicates} duplicates, ${result.regressions} token regressions`);
  console.log(`of which lease left at the kill: p50 ${result.leaseLeftP50Ms} ms, max ${result.leaseLeftMaxMs} ms; after the lease ran out: p50 ${result.afterExpiryP50Ms} ms, p99 ${result.afterExpiryP99Ms} ms (min ${result.afterExpiryMinMs}, max ${result.afterExpiryMaxMs}); load average ${loadAtStart.toFixed(1)} at the start, ${result.loadAtEnd.toFixed(1)} at the end`);
  emit(result);
  probe.disconnect();
  await target.close();
  await redis.dispose();
}

await main();
