import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { ValidationError } from '../../src/core/errors.js';
import { sleep } from '../../src/core/time.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { restarter } from '../../src/policies/restarter.js';
import { booleanSensor } from '../../src/sensors/define-sensor.js';
import { HomeostatMetrics } from '../../src/telemetry/metrics.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** One server under a restarter; its restart takes `restartMs` and brings it back only when `works()`. */
function setup(config: Record<string, unknown>, options: { works?: () => boolean; restartMs?: number; staleAfterMs?: number } = {}) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({ id: 'web', type: 'cluster' });
  let restarts = 0;
  const server = tree.add({
    id: 'web-1',
    type: 'server',
    sensors: options.staleAfterMs === undefined ? [] : [booleanSensor('service.up', { staleAfterMs: options.staleAfterMs })],
    effectors: [
      defineEffector({
        name: 'restart',
        params: z.object({}),
        timeoutMs: 600_000,
        run: async (_p, { entity, scheduler }) => {
          restarts++;
          if (options.restartMs) await sleep(scheduler, options.restartMs);
          entity.setUp(options.works?.() ?? false);
        },
      }),
    ],
  }, web);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(server, restarter, config);
  engine.start();
  server.setState('running');
  server.setUp(true);
  const decisions = async () => (await knowledge.queryDecisions({})).reverse();
  return { clock, tree, server, engine, knowledge, decisions, restarts: () => restarts };
}

describe('restarter defects (issue 9, item 4)', () => {
  it('leaves a member alone while it is starting (down is expected while it boots)', async () => {
    const { clock, server, restarts, decisions } = setup({ failureDelay: '5s' });
    server.setState('starting'); // e.g. restarted by hand, booting for a minute
    server.setUp(false);
    await clock.advanceBy(60_000);
    expect(restarts()).toBe(0);
    expect(await decisions()).toEqual([]);
    server.setState('running'); // booted, and still down: now it is a failure, restarted at the next backoff tick
    server.setUp(false);
    await clock.advanceBy(60_000);
    expect(restarts()).toBe(1);
  });

  it('with its default config, gives up and escalates a member that never comes back', async () => {
    const { clock, server, restarts, decisions } = setup({});
    server.setUp(false);
    await clock.advanceBy(30 * 60_000);
    expect(server.state).toBe('on-fire');
    expect(restarts()).toBe(3);
    expect((await decisions()).map((d) => `${d.actions[0]?.effector}:${d.outcome}`)).toEqual(['restart:applied', 'restart:applied', 'restart:applied', 'escalate:applied']);
  });

  it('keeps restarting on a clock that moves on between a symptom and its plan, as a real one does', async () => {
    const { clock, server, restarts, decisions } = setup({ recheckInterval: '10s', maxBackoff: '20s', maxRestarts: 3, window: '5m' });
    // a millisecond clock ticks between the analyzer stamping a symptom and the plan reading the time: here
    // every read of the time is a microsecond later than the one before
    let reads = 0;
    clock.now = () => clock.frame + ++reads * 0.001;
    server.setUp(false);
    await clock.advanceBy(2 * 60_000);
    // a restart stamped with the plan's own time stayed "in flight" for the whole window: one restart, then silence
    expect(restarts()).toBe(3);
    expect((await decisions()).map((d) => `${d.actions[0]?.effector}:${d.outcome}`)).toEqual(['restart:applied', 'restart:applied', 'restart:applied', 'escalate:applied']);
  });

  it('a member a health feed keeps reporting down is restarted up to maxRestarts, though the episode outlasts the staleness bound', async () => {
    const { clock, server, restarts, decisions } = setup({ recheckInterval: '30s', maxBackoff: '60s', maxRestarts: 3, window: '10m' }, { staleAfterMs: 20_000 });
    // down reported every 5 s, as a feed polling a dead server does (service.up bounded at 20 s)
    for (let i = 0; i < 60; i++) {
      server.setUp(false);
      await clock.advanceBy(5_000);
    }
    // each retry named the episode's first down reading as its input: refused as stale from the second on
    expect(restarts()).toBe(3);
    expect((await decisions()).map((d) => `${d.actions[0]?.effector}:${d.outcome}`)).toEqual(['restart:applied', 'restart:applied', 'restart:applied', 'escalate:applied']);
  });

  it('refuses a config whose backoff outruns its window, saying which setting and why', () => {
    const parsed = restarter.config.safeParse({ recheckInterval: '1m', maxBackoff: '5m', maxRestarts: 3, window: '3m' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['window'], message: expect.stringMatching(/window \(180 s\) must be longer than the backoff over 3 restarts \(420 s/) });
    const engine = new Engine({ tree: new EntityTree(new VirtualClock()), knowledge: new Knowledge(new MemoryStore(), new VirtualClock()), scheduler: new VirtualClock() });
    const entity = engine.tree.add({ id: 'x', type: 'server' });
    expect(() => engine.attach(entity, restarter, { recheckInterval: '1m', maxBackoff: '5m', window: '3m' })).toThrow(ValidationError);
  });

  it('never restarts more than maxRestarts times, even while a slow restart is still running', async () => {
    const { clock, server, restarts, decisions } = setup({ recheckInterval: '10s', maxBackoff: '10s', maxRestarts: 2, window: '10m' }, { restartMs: 100_000 });
    server.setUp(false);
    await clock.advanceBy(15 * 60_000);
    expect(restarts()).toBe(2);
    expect(server.state).toBe('on-fire');
    const applied = (await decisions()).filter((d) => d.outcome === 'applied').map((d) => d.actions[0]?.effector);
    expect(applied).toEqual(['restart', 'restart', 'escalate']);
  });

  it('gives up on a member that never comes back even when slow restarts skip backoff ticks and spread past the window', async () => {
    // a restart takes 11 s: the 8 s tick falls while it runs and is skipped, but the backoff still doubles, so
    // restarts land at 0, 24 and 54 s and the one at 0 s has left the 84 s window by the 84 s tick
    const { clock, server, restarts, decisions } = setup({ recheckInterval: '8s', maxBackoff: '30s', maxRestarts: 3, window: '84s' }, { restartMs: 11_000 });
    server.setUp(false);
    await clock.advanceBy(10 * 60_000);
    expect(restarts()).toBe(3);
    expect(server.state).toBe('on-fire');
    const applied = (await decisions()).filter((d) => d.outcome === 'applied');
    expect(applied.map((d) => d.actions[0]?.effector)).toEqual(['restart', 'restart', 'restart', 'escalate']);
    expect(applied[3]?.reason).toMatch(/3 restarts from 0 s on, with no up reading between them, did not bring it up/);
  });

  it('counts restarts per down episode: a member that comes back up between failures is limited by the window only', async () => {
    let works = true;
    const { clock, server, restarts, decisions } = setup({ recheckInterval: '10s', maxBackoff: '10s', maxRestarts: 2, window: '1m' }, { works: () => works });
    for (let i = 0; i < 3; i++) {
      server.setUp(false); // fails, restarted at once, comes back up: each failure is its own episode
      await clock.advanceBy(70_000); // past the window: the window never fills either
    }
    expect(restarts()).toBe(3);
    expect(server.state).not.toBe('on-fire');
    works = false;
    server.setUp(false);
    await clock.advanceBy(5 * 60_000);
    expect(restarts()).toBe(5); // two more in the new episode, then given up
    expect((await decisions()).filter((d) => d.outcome === 'applied').at(-1)?.actions[0]?.effector).toBe('escalate');
  });

  it('does not count a restart that did not run (skipped by cooldown): the budget is for real restarts', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    let restarts = 0;
    const server = tree.add({ id: 's', type: 'server', effectors: [defineEffector({ name: 'restart', params: z.object({}), run: () => void restarts++ })] });
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const engine = new Engine({ tree, knowledge, scheduler: clock });
    engine.attach(server, restarter, { recheckInterval: '10s', maxBackoff: '10s', maxRestarts: 2, window: '1m' }, { cooldownMs: 25_000 });
    engine.start();
    server.setState('running');
    server.setUp(true);
    server.setUp(false);
    await clock.advanceBy(55_000);
    // identical non-actions in a row are one coalesced record: its count says how many plans it stands for
    const outcomes = (await knowledge.queryDecisions({})).reverse().map((d) => `${d.at / 1000}:${d.actions[0]?.effector}:${d.outcome}${(d.count ?? 1) > 1 ? ` x${d.count}` : ''}`);
    // 0 s restart; 10 and 20 s in cooldown (not counted); 30 s second restart; 40, 50 s cooldown; never escalated yet
    expect(outcomes).toEqual(['0:restart:applied', '10:restart:skipped_cooldown x2', '30:restart:applied', '40:escalate:skipped_cooldown x2']);
    expect(restarts).toBe(2);
  });

  it('honours staleAfter on service.up: an hour of silence is its own symptom, a refused decision, never a restart nor "up"', async () => {
    const { clock, server, restarts, decisions, engine, tree } = setup({}, { staleAfterMs: 60_000 });
    expect(server.sensor('service.up').definition.staleAfterMs).toBe(60_000);
    const metrics = new HomeostatMetrics({ engine, tree });
    await clock.advanceBy(3_600_000); // the health feed went silent for an hour
    expect(restarts()).toBe(0);
    expect(server.sensor('service.up').value).toBeUndefined(); // unknown, not up
    const [silence, ...rest] = await decisions();
    expect(rest).toEqual([]);
    expect(silence).toMatchObject({ outcome: 'refused', symptom: { kind: 'silent' }, actions: [], at: 60_000 });
    expect(silence?.reason).toMatch(/no service\.up reading from web-1 for 60 s .*neither restarted nor counted up/);
    const gauge = (await metrics.registry.getSingleMetric('homeostat_stale_sensors')?.get())?.values ?? [];
    expect(gauge).toContainEqual(expect.objectContaining({ labels: { sensor: 'service.up' }, value: 1 }));
    const counted = (await metrics.registry.getSingleMetric('homeostat_decisions_total')?.get())?.values ?? [];
    expect(counted).toContainEqual(expect.objectContaining({ labels: expect.objectContaining({ policy: 'restarter', outcome: 'refused' }), value: 1 }));
  });

  it('a down reading that then goes silent is not restarted on: silence wins over the last value', async () => {
    const { clock, server, restarts, decisions } = setup({ failureDelay: '30s', staleAfter: '20s' });
    server.setUp(false);
    await clock.advanceBy(600_000);
    expect(restarts()).toBe(0);
    expect((await decisions()).map((d) => d.outcome)).toEqual(['refused']);
  });
});

describe('silence of a health feed', () => {
  it('a sensor a feed fills goes stale after three missed polls unless the blueprint bounds it', async () => {
    const { scenario } = await import('../scenarios/helpers.js');
    const { deployment, tree } = await scenario(`
name: feeds
application:
  id: app
  children:
    - { id: db, type: entity, feeds: [{ every: 10s, tcp: { host: 127.0.0.1, port: 1, timeout: 2s } }] }
    - id: cache
      type: entity
      sensors: [{ name: service.up, type: boolean, staleAfter: 1h }]
      feeds: [{ every: 10s, tcp: { host: 127.0.0.1, port: 1 } }]
`);
    expect(tree.get('db').sensor('service.up').definition.staleAfterMs).toBe(32_000);
    expect(tree.get('cache').sensor('service.up').definition.staleAfterMs).toBe(3_600_000);
    await deployment.stop();
  });
});
