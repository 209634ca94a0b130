import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { builtinTypes } from '../../src/drivers/builtin-types.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** One entity of every built-in type, so every built-in effector is on the tree. */
async function everyType() {
  const clock = new VirtualClock();
  const blueprint = await parseBlueprint(`
name: every-type
application:
  id: app
  type: application
  children:
    - { id: plain, type: entity }
    - { id: grp, type: group }
    - id: cl
      type: cluster
      config: { initialSize: 1 }
      memberSpec: { type: sim.server, config: { bootTime: 0 } }
    - id: wc
      type: sim.web-cluster
      config: { initialSize: 1 }
      memberSpec: { type: sim.server, config: { bootTime: 0 } }
    - { id: swim, type: sim.swim, config: { maxServers: 3, initialServers: 1 } }
    - id: dbs
      type: sim.db-cluster
      children:
        - { id: db-1, type: sim.database, config: { role: primary } }
        - { id: db-2, type: sim.database, config: { role: replica } }
    - { id: traffic, type: sim.traffic, config: { site: plain } }
    - { id: pager, type: notifier, config: { url: 'http://127.0.0.1:9/hook' } }
    - { id: proc, type: process, config: { command: ${JSON.stringify(process.execPath)}, args: ['-e', 'setTimeout(() => {}, 60000)'] } }
    - id: rg
      type: redis-replication-group
      children:
        - { id: r-1, type: redis, config: { port: 9 } }
    - id: pg
      type: postgres-replication-group
      children:
        - { id: pg-1, type: postgres, config: { port: 9 } }
    - id: procs
      type: process-group
      config: { initialSize: 0 }
      memberSpec: { type: process, config: { command: ${JSON.stringify(process.execPath)}, args: ['-e', 'setTimeout(() => {}, 60000)'] } }
`, path.resolve('every-type.yaml'));
  // real processes keep their pid files in a directory of the test's own
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-params-'));
  const deployment = await Deployment.create(blueprint, { scheduler: clock, stateDir });
  deployment.start();
  await clock.advanceBy(1000);
  return { clock, deployment };
}

type JsonSchema = { type?: string; maximum?: number; maxLength?: number; maxItems?: number; properties?: Record<string, JsonSchema>; items?: JsonSchema };

/** Every number, string and array in a params schema, with its path, that has no upper bound. */
function unbounded(schema: JsonSchema, at: string): string[] {
  const own = (schema.type === 'number' || schema.type === 'integer') && schema.maximum === undefined ? [at]
    : schema.type === 'string' && schema.maxLength === undefined && !('enum' in schema) ? [at]
    : schema.type === 'array' && schema.maxItems === undefined ? [at] : [];
  return [...own, ...Object.entries(schema.properties ?? {}).flatMap(([k, v]) => unbounded(v, `${at}.${k}`)), ...(schema.items ? unbounded(schema.items, `${at}[]`) : [])];
}

describe('built-in effector params', () => {
  it('every duration, count and name in every built-in effector has an upper bound', async () => {
    const { deployment } = await everyType();
    const types = new Set<string>();
    const problems: string[] = [];
    let effectors = 0;
    for (const entity of deployment.tree.entities()) {
      types.add(entity.type);
      for (const effector of entity.effectors) {
        effectors++;
        problems.push(...unbounded(z.toJSONSchema(effector.params, { io: 'input', unrepresentable: 'any' }) as JsonSchema, `${entity.type}.${effector.name}`));
      }
    }
    expect([...builtinTypes().names()].filter((t) => !types.has(t))).toEqual([]); // the blueprint covers every type
    expect(effectors).toBeGreaterThan(15);
    expect(problems).toEqual([]);
    await deployment.stop();
  });

  it('refuses startTimeout: 1e15 before anything runs, and an unknown member as the caller\'s mistake (E_UNKNOWN_TARGET)', async () => {
    const { deployment, clock } = await everyType();
    const cluster = deployment.tree.get('cl');
    const members = cluster.members.map((m) => m.id);
    const invoke = (params: unknown) => deployment.engine.invoker.invoke(cluster, 'replaceMember', params, { caller: { kind: 'person', name: 't' } });
    await expect(invoke({ member: members[0], startTimeout: 1e15 })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await expect(invoke({ member: 'nope' })).rejects.toMatchObject({ code: 'E_UNKNOWN_TARGET', retryable: false });
    await clock.advanceBy(1000);
    expect(cluster.members.map((m) => m.id)).toEqual(members); // nothing spawned, nothing retired
    const dbs = deployment.tree.get('dbs');
    await expect(deployment.engine.invoker.invoke(dbs, 'failover', { to: 'ghost' }, { caller: { kind: 'person', name: 't' } })).rejects.toMatchObject({ code: 'E_UNKNOWN_TARGET' });
    await expect(deployment.engine.invoker.invoke(deployment.tree.get('traffic'), 'route', { site: 'ghost' }, { caller: { kind: 'person', name: 't' } })).rejects.toMatchObject({ code: 'E_UNKNOWN_TARGET' });
    await deployment.stop();
  });
});
