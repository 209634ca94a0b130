// homeostat's failover policy and a real Redis Sentinel set manage the same three servers (a user who turns on
// homeostat's failover over a set Sentinel already manages, by mistake or during a migration). Both react to
// the same fault of the primary. At the end exactly one server takes writes and the others follow it; homeostat
// promotes at most once and never fences or demotes the server the Sentinels chose once their promotion took;
// every decision of homeostat not to act says why. A probe writes to every server every 50 ms and counts the
// time two of them took writes.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../../src/effectors/invocation.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import { deadlineIn } from '../../support/redis-process.js';
import { startSentinels, type SentinelSet } from '../../support/sentinel-set.js';
import { deploy, waitUntil } from '../process/helpers.js';
import { acceptsWrite, once, probeWritable, redisChild, replicatedRedis } from './helpers.js';

const PROBE_MS = 50;
// Sentinel's down-after well above its fixed 1 s reconnect period: at 1 s, a Sentinel on a loaded machine can
// take the replica it has just promoted for down (its new link not yet up) and fail over a second time, with
// two writable primaries of Sentinel's own making for seconds (seen 1 in 14 times without homeostat at all).
// homeostat's failure delay is the same, so that both still react to the same fault.
const DOWN_AFTER_MS = 3_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Three servers, three Sentinels over them, and homeostat's failover over the same servers. */
async function race(policyExtra = '') {
  const servers = await replicatedRedis(2);
  cleanups.push(async () => {
    for (const s of servers) {
      s.resume();
      await s.dispose();
    }
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-beside-sentinel-'));
  const sentinels: SentinelSet = await startSentinels({ dir, master: 'beside', primaryPort: servers[0]?.port as number, replicas: 2, downAfterMs: DOWN_AFTER_MS, failoverTimeoutMs: 30_000, deadline: deadlineIn(30_000) });
  cleanups.push(async () => {
    await sentinels.dispose();
    await rm(dir, { recursive: true, force: true });
  });
  await sentinels.listen();
  const children = servers.map((s, i) => redisChild(`r${i + 1}`, s.port)).join('');
  const text = `name: r\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      config: { every: 100ms, failureDelay: ${DOWN_AFTER_MS}ms }\n      children:\n${children}      policies:\n        - use: failover\n          config: { failureDelay: ${DOWN_AFTER_MS}ms, recoveryDelay: 2s, promoteTimeout: 5s, maxLag: 5, retryInterval: 2s${policyExtra} }\n`;
  const { deployment } = await deploy(text);
  cleanups.push(() => deployment.stop());
  const decisions: Decision[] = [];
  deployment.engine.decisions$.subscribe((d) => decisions.push(d));
  const db = (id: string) => deployment.tree.get(id);
  await waitUntil(() => db('cache').sensor('primary').value === 'r1' && db('r2').sensor('replication.lag').value === 0 && db('r3').sensor('replication.lag').value === 0, 10_000, 'r1 primary, replicas in sync');
  await waitUntil(() => ['r1', 'r2', 'r3'].every((id) => db(id).sensor('sentinels').value === 3), 10_000, 'every server read as watched by the 3 Sentinels');
  const idOf = (port: number): string => `r${servers.findIndex((s) => s.port === port) + 1}`;
  return { servers, sentinels, deployment, decisions, db, idOf };
}

type Race = Awaited<ReturnType<typeof race>>;

/**
 * The port of the one server that takes writes while every other one running follows it with its link up, the
 * Sentinels and homeostat's group naming it; else undefined. `gone`: the port of a server killed for good.
 */
async function settledPrimary({ servers: all, sentinels, db, idOf }: Race, gone?: number): Promise<number | undefined> {
  const servers = all.filter((s) => s.port !== gone);
  const writable = (await Promise.all(servers.map((s) => acceptsWrite(s.port, 500)))).flatMap((ok, i) => (ok ? [servers[i]?.port as number] : []));
  if (writable.length !== 1) return undefined;
  const primary = writable[0] as number;
  for (const s of servers.filter((x) => x.port !== primary)) {
    const info = (await once(s.port, (c) => c.info('replication'), 500)) ?? '';
    if (!/role:slave/.test(info) || !new RegExp(`master_port:${primary}\\b`).test(info) || !/master_link_status:up/.test(info)) return undefined;
  }
  if ((await sentinels.primaryPort()) !== primary) return undefined;
  return db('cache').sensor('primary').value === idOf(primary) ? primary : undefined;
}

/** Milliseconds during which two or more servers took the probe's writes (each such probe counts its interval). */
function twoPrimaryMs(samples: ReadonlyArray<{ at: number; writable: number[] }>): number {
  return samples.reduce((sum, s, i) => sum + (s.writable.length > 1 ? (samples[i + 1]?.at ?? s.at + PROBE_MS) - s.at : 0), 0);
}

/** Waits (bounded) for the one primary, watches it hold, and checks what homeostat did along the way. */
async function settle(run: Race, faultAt: number, probe: ReturnType<typeof probeWritable>, gone?: number) {
  const primary = await waitUntil(() => settledPrimary(run, gone), 40_000, 'one primary, the others its replicas, Sentinel and homeostat agreeing');
  const settledAt = performance.now();
  // it holds: no other server takes a write afterwards, and it is still the one primary (read again, bounded:
  // one slow answer on a loaded machine is not a change)
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const samples = await probe.stop();
  // on a failure, what the Sentinels did says whose the second primary was
  const sentinelSteps = (): string => JSON.stringify(run.sentinels.events.filter((e) => e.sentinel === run.sentinels.ports[0]).map((e) => `${(e.at - faultAt).toFixed(0)} ms ${e.channel} ${e.message}`));
  // the Sentinels promoted one server: a second promotion of their own (a failover of the server they had just
  // promoted) makes two primaries whatever homeostat does, and is named as such rather than blamed on it
  const promotedBySentinels = new Set(run.sentinels.events.filter((e) => e.channel === '+promoted-slave').map((e) => e.message.split(' ')[1]));
  expect(promotedBySentinels.size, `the Sentinels promoted ${[...promotedBySentinels].join(' then ')}: a second failover of their own, not homeostat's: ${sentinelSteps()}`).toBe(1);
  expect(samples.filter((s) => s.at >= settledAt && s.writable.some((p) => p !== primary)), sentinelSteps()).toEqual([]);
  expect(await waitUntil(() => settledPrimary(run, gone), 10_000, 'the one primary, read again')).toBe(primary);
  const invocations: InvocationRecord[] = (await run.deployment.knowledge.queryInvocations({})).reverse();
  const winner = run.idOf(primary);
  const wallFaultAt = performance.timeOrigin + faultAt;
  // every Sentinel announces the switch: one per failover is kept
  const switched = run.sentinels.events.filter((e) => e.channel === '+switch-master' && e.sentinel === run.sentinels.ports[0]);
  const report = {
    winner,
    sentinelSwitches: switched.map((e) => `${(e.at - faultAt).toFixed(0)} ms ${e.message}`),
    twoPrimaryMs: twoPrimaryMs(samples),
    twoPrimaryAfterSettledMs: twoPrimaryMs(samples.filter((s) => s.at >= settledAt)),
    twoPrimaryAt: samples.filter((s) => s.writable.length > 1).map((s) => `${(s.at - faultAt).toFixed(0)} ms ${s.writable.map(run.idOf).join('+')}`),
    decisions: run.decisions.map((d) => `${(d.at - wallFaultAt).toFixed(0)} ms ${d.policyName} ${d.symptom.kind} ${d.outcome}${d.count && d.count > 1 ? ` x${d.count}` : ''}: ${d.actions.map((a) => `${a.effector} ${a.entity}`).join(', ')} | ${d.reason}${d.error ? ` | ${d.error.code}` : ''}`),
    invocations: invocations.map((r) => `${(r.at - wallFaultAt).toFixed(0)} ms ${r.effector} ${r.entity} by ${JSON.stringify(r.caller)} ${r.outcome}${r.error ? ` ${r.error.code}` : ''}`),
    sentinelEvents: run.sentinels.events.filter((e) => /promoted|switch|convert|failover-end|abort|reconf-sent/.test(e.channel)).map((e) => `${(e.at - faultAt).toFixed(0)} ms ${e.sentinel} ${e.channel} ${e.message}`),
  };
  if (process.env['HOMEOSTAT_TRACE']) console.log(JSON.stringify(report, null, 2));
  return { primary, winner, samples, invocations, switched, report };
}

/** The checks every schedule shares. */
function expectNoFight(run: Race, outcome: Awaited<ReturnType<typeof settle>>): void {
  const { winner, invocations, switched } = outcome;
  // the Sentinels failed over, last to the server that is the primary now
  expect(switched.length).toBeGreaterThanOrEqual(1);
  const lastSwitchPort = Number(switched.at(-1)?.message.split(' ').at(-1));
  expect(run.idOf(lastSwitchPort)).toBe(winner);
  // homeostat promoted at most once, and never fenced or demoted the Sentinels' pick
  expect(invocations.filter((r) => r.effector === 'promote' && r.outcome === 'succeeded').length).toBeLessThanOrEqual(1);
  // the Sentinels' promotion took when they saw the replica report itself primary (+promoted-slave)
  const tookAt = run.sentinels.events.find((e) => e.channel === '+promoted-slave' && e.message.includes(`:${outcome.primary} `))?.wallAt ?? 0;
  expect(invocations.filter((r) => r.entity === winner && (r.effector === 'fence' || r.effector === 'demote') && r.at + r.durationMs >= tookAt)).toEqual([]);
  // every decision not to act says why
  for (const d of run.decisions.filter((x) => x.actions.length === 0)) {
    expect(d.outcome).not.toBe('applied');
    expect(d.reason.length).toBeGreaterThan(20);
  }
}

/** Resolves once the Sentinels announce a new primary (bounded). */
function sentinelsSwitched(run: Race): Promise<true> {
  return waitUntil(() => run.sentinels.events.some((e) => e.channel === '+switch-master'), 30_000, 'the Sentinels switching to a new primary');
}

/** Homeostat's promotions that took. */
function promotions(outcome: Awaited<ReturnType<typeof settle>>): InvocationRecord[] {
  return outcome.invocations.filter((r) => r.effector === 'promote' && r.outcome === 'succeeded');
}

describe('homeostat failover and Redis Sentinel over the same servers', () => {
  it('SIGKILL of the primary: the Sentinels fail over alone, homeostat stands down saying why, never two writable primaries', async () => {
    const run = await race();
    const probe = probeWritable(() => run.servers.map((s) => s.port), PROBE_MS);
    const faultAt = performance.now();
    await run.servers[0]?.stop();
    const outcome = await settle(run, faultAt, probe, run.servers[0]?.port);
    expectNoFight(run, outcome);
    expect(promotions(outcome)).toEqual([]);
    expect(outcome.report.twoPrimaryMs, JSON.stringify(outcome.report, null, 2)).toBe(0);
    expect(run.decisions.find((d) => d.symptom.kind === 'down')?.reason).toMatch(/Redis Sentinels watch r2 \(3\), r3 \(3\) and/); // r1 is down: not asked
  }, 90_000);

  it('SIGSTOP of the primary, SIGCONT after the Sentinels failed over: one primary at the end, the old one following it', async () => {
    const run = await race();
    const probe = probeWritable(() => run.servers.map((s) => s.port), PROBE_MS);
    const faultAt = performance.now();
    run.servers[0]?.pause();
    await sentinelsSwitched(run);
    run.servers[0]?.resume();
    const outcome = await settle(run, faultAt, probe);
    expectNoFight(run, outcome);
    expect(promotions(outcome)).toEqual([]);
    // back, the old primary follows the Sentinels' pick within a poll of homeostat's (Sentinel alone waits 8-10 s)
    expect(outcome.report.twoPrimaryMs, JSON.stringify(outcome.report, null, 2)).toBeLessThan(2_500);
    expect(run.decisions.find((d) => d.policyName === 'late-fence')?.reason).toMatch(/stopped answering as the primary and the group failed over without it/);
  }, 90_000);

  it('SIGKILL of the primary, back (empty) after the Sentinels failed over: one primary at the end, the old one following it', async () => {
    const run = await race();
    const probe = probeWritable(() => run.servers.map((s) => s.port), PROBE_MS);
    const faultAt = performance.now();
    await run.servers[0]?.stop();
    await sentinelsSwitched(run);
    await run.servers[0]?.restart();
    const outcome = await settle(run, faultAt, probe);
    expectNoFight(run, outcome);
    expect(promotions(outcome)).toEqual([]);
    expect(outcome.report.twoPrimaryMs, JSON.stringify(outcome.report, null, 2)).toBeLessThan(2_500);
    expect(run.decisions.find((d) => d.policyName === 'late-fence')?.reason).toMatch(/stopped answering as the primary and the group failed over without it/);
  }, 90_000);

  it('SIGSTOP shorter than both detection delays: nobody fails over, and the primary serves on unfenced', async () => {
    const run = await race();
    const probe = probeWritable(() => run.servers.map((s) => s.port), PROBE_MS);
    run.servers[0]?.pause();
    await new Promise((resolve) => setTimeout(resolve, 400));
    run.servers[0]?.resume();
    // r1 answers as the only primary: a fence owed for its missed polls is dropped, not applied
    await waitUntil(async () => (await settledPrimary(run)) === run.servers[0]?.port && run.db('r1').sensor('role').value === 'primary', 10_000, 'r1 the one primary');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const samples = await probe.stop();
    expect(await waitUntil(() => settledPrimary(run), 10_000, 'r1 the one primary, read again')).toBe(run.servers[0]?.port);
    expect(twoPrimaryMs(samples)).toBe(0);
    expect(run.sentinels.events.filter((e) => e.channel === '+switch-master')).toEqual([]);
    expect((await run.deployment.knowledge.queryInvocations({})).filter((r) => r.effector === 'fence' || r.effector === 'promote')).toEqual([]);
    expect(run.decisions.filter((d) => d.policyName === 'late-fence')).toEqual([]);
  }, 60_000);
});
