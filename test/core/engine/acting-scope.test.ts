import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { loadBlueprint } from '../../../src/blueprint/load.js';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { Engine } from '../../../src/core/engine/engine.js';
import { defineEffector } from '../../../src/effectors/define-effector.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import { Knowledge } from '../../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../../src/knowledge/memory-store.js';
import { definePolicy } from '../../../src/policies/define-policy.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

// A policy whose config a limited caller set acts only inside that caller's scope, even when its targets come
// from code the config check cannot see (a policy module that declares no requiresEntities).

function setUp() {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  const restarted: string[] = [];
  const restart = defineEffector({ name: 'restart', params: z.object({}), run: (_params, { entity }) => void restarted.push(entity.id) });
  const root = tree.add({ id: 'root', type: 'application' });
  const acme = tree.add({ id: 'acme', type: 'application', tenant: 'acme' }, root);
  tree.add({ id: 'acme-1', type: 'server', effectors: [restart] }, acme);
  const globex = tree.add({ id: 'globex', type: 'application', tenant: 'globex' }, root);
  tree.add({ id: 'globex-1', type: 'server', effectors: [restart], sensors: [] }, globex);
  const kicks = new Subject<{ kind: string; inputs: [] }>();
  // targets named by config, undeclared: only the run-time check can see where it acts
  const kicker = definePolicy({
    name: 'kicker',
    config: z.object({ target: z.string(), compensateOn: z.string().optional() }),
    monitor: () => kicks,
    analyze: (source) => source,
    plan: (_symptom, { config }) => ({ actions: [{ entity: config.target, effector: 'restart' }], reason: `kick ${config.target}` }),
  });
  engine.attach(acme, kicker, { target: 'acme-1' }, { id: 'acme/kicker' });
  const decisions: Decision[] = [];
  engine.decisions$.subscribe((d) => decisions.push(d));
  engine.start();
  const kick = async (): Promise<Decision> => {
    kicks.next({ kind: 'kick', inputs: [] });
    await clock.settle();
    return decisions.at(-1) as Decision;
  };
  return { engine, restarted, kick };
}

describe('acting scope of a policy configured by a limited caller', () => {
  it('refuses a plan acting outside the scope, naming the entity and the scope, and invokes nothing', async () => {
    const { engine, restarted, kick } = setUp();
    engine.reconfigure('acme/kicker', { target: 'globex-1' }, { scope: { tenant: 'acme' } });
    const decision = await kick();
    expect(decision.outcome).toBe('refused');
    expect(decision.detail).toContain("acts on 'globex-1', outside the scope its config was set in (tenant acme)");
    expect(restarted).toEqual([]);
  });

  it('acts inside the scope, and anywhere again once an unlimited caller configures it', async () => {
    const { engine, restarted, kick } = setUp();
    engine.reconfigure('acme/kicker', { target: 'acme-1' }, { scope: { tenant: 'acme', scopes: ['acme'] } });
    expect((await kick()).outcome).toBe('applied');
    engine.reconfigure('acme/kicker', { target: 'globex-1' });
    expect((await kick()).outcome).toBe('applied');
    expect(restarted).toEqual(['acme-1', 'globex-1']);
  });

  it('forgets the scope when the policy is detached and attached again', async () => {
    const { engine, restarted, kick } = setUp();
    engine.reconfigure('acme/kicker', { target: 'globex-1' }, { scope: { scopes: ['acme'] } });
    const { definition, entity } = engine.attachment('acme/kicker');
    engine.detach('acme/kicker');
    engine.attach(entity, definition, { target: 'globex-1' }, { id: 'acme/kicker' });
    expect((await kick()).outcome).toBe('applied');
    expect(restarted).toEqual(['globex-1']);
  });
});

describe('reconfigure checks a config against the live tree', () => {
  const examples = readdirSync(path.resolve('examples'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));

  it.each(examples)('takes every policy of %s back with its own config (no false refusals)', async (file) => {
    const clock = new VirtualClock();
    const deployment = await Deployment.create(await loadBlueprint(path.resolve('examples', file)), { scheduler: clock });
    deployment.start();
    const policies = deployment.engine.policies();
    for (const { id } of policies) expect(() => deployment.engine.reconfigure(id, deployment.engine.attachment(id).rawConfig)).not.toThrow();
    await deployment.stop();
  });
});
