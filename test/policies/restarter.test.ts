import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { restarter } from '../../src/policies/restarter.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

async function setup(restartWorks: () => boolean) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({ id: 'web', type: 'cluster' });
  let restarts = 0;
  const server = tree.add({
    id: 'web-1', type: 'server',
    effectors: [defineEffector({ name: 'restart', params: z.object({}), run: (_p, { entity }) => { restarts++; entity.setUp(restartWorks()); } })],
  }, web);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(server, restarter, { failureDelay: '10s', maxRestarts: 2, window: '3m' });
  engine.start();
  server.setState('running');
  server.setUp(true);
  return { clock, server, knowledge, engine, restarts: () => restarts };
}

describe('restarter', () => {
  it('restarts a crashed entity after the failure delay', async () => {
    const { clock, server, knowledge, restarts } = await setup(() => true);
    server.setUp(false);
    await clock.advanceBy(9_999);
    expect(restarts()).toBe(0);
    await clock.advanceBy(1);
    expect(restarts()).toBe(1);
    expect(server.sensor('service.up').value).toBe(true);
    expect((await knowledge.queryDecisions({}))[0]).toMatchObject({ outcome: 'applied', actions: [{ effector: 'restart' }] });
  });

  it('ignores a blip shorter than the failure delay', async () => {
    const { clock, server, restarts } = await setup(() => true);
    server.setUp(false);
    await clock.advanceBy(5_000);
    server.setUp(true);
    await clock.advanceBy(60_000);
    expect(restarts()).toBe(0);
  });

  it('backs off between restarts, gives up after maxRestarts in the window: on-fire, escalated to the parent', async () => {
    const { clock, server, knowledge, restarts } = await setup(() => false);
    server.setUp(false);
    await clock.advanceBy(10_000); // failure delay: first restart
    expect(restarts()).toBe(1);
    await clock.advanceBy(29_999);
    expect(restarts()).toBe(1);
    await clock.advanceBy(1); // 30 s later: second restart
    expect(restarts()).toBe(2);
    await clock.advanceBy(59_999); // then 60 s (doubled): the next attempt gives up
    expect(server.state).not.toBe('on-fire');
    await clock.advanceBy(1);
    expect(restarts()).toBe(2);
    expect(server.state).toBe('on-fire');
    expect(server.sensor('escalation').value).toMatchObject({ by: 'web-1/restarter' });
    const outcomes = (await knowledge.queryDecisions({})).reverse().map((d) => `${d.actions[0]?.effector}:${d.outcome}`);
    expect(outcomes).toEqual(['restart:applied', 'restart:applied', 'escalate:applied']);
    await clock.advanceBy(300_000);
    expect(restarts()).toBe(2); // gave up: no more restarts
  });

  it('never restarts an entity that is stopping', async () => {
    const { clock, server, knowledge, restarts } = await setup(() => true);
    server.setState('stopping');
    server.setUp(false);
    await clock.advanceBy(120_000);
    expect(restarts()).toBe(0);
    expect(await knowledge.queryDecisions({})).toEqual([]);
  });
});
