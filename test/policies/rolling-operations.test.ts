import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { scenario } from '../scenarios/helpers.js';

const cluster = (opts: { badVersion?: string; restarter?: boolean; feed?: boolean } = {}) => `
name: roll
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 2 }
      memberSpec:
        type: sim.server
        config: { bootTime: 10s${opts.badVersion ? `, badVersion: "${opts.badVersion}"` : ''} }
${opts.restarter ? '        policies: [{ use: restarter, config: { recheckInterval: 5s, maxBackoff: 5s, maxRestarts: 3, window: 1m } }]' : ''}
`;

const members = (tree: { get(id: string): { members: ReadonlyArray<{ id: string; config: Readonly<Record<string, unknown>>; sensor(n: string): { value: unknown } }> } }) =>
  tree.get('web').members.map((m) => `${m.id}=${String(m.sensor('version').value)}`);

describe('rolling update and the member template (issue 9, item 5)', () => {
  it('after rollingUpdate to v2, new members (scale-up) and replacements start at v2', async () => {
    const { clock, tree, deployment } = await scenario(cluster());
    await clock.advanceBy(15_000);
    const web = tree.get('web');
    const roll = deployment.engine.invoker.invoke(web, 'rollingUpdate', { version: '2' }, { caller: { kind: 'person', name: 'ops' } });
    await clock.advanceBy(60_000);
    await roll;
    await deployment.engine.invoker.invoke(web, 'resize', { size: 3 }, { caller: { kind: 'person', name: 'ops' } });
    const replaced = deployment.engine.invoker.invoke(web, 'replaceMember', { member: 'web-1' }, { caller: { kind: 'person', name: 'ops' } });
    await clock.advanceBy(30_000);
    await expect(replaced).resolves.toEqual({ replaced: 'web-1', by: 'web-4' });
    expect(members(tree)).toEqual(['web-2=2', 'web-3=2', 'web-4=2']);
    expect(tree.get('web-4').config['version']).toBe('2');
  });

  it('a roll that fails leaves the template where it was', async () => {
    const { clock, tree, deployment } = await scenario(cluster({ badVersion: '2' }));
    await clock.advanceBy(15_000);
    const web = tree.get('web');
    const roll = deployment.engine.invoker.invoke(web, 'rollingUpdate', { version: '2', healthTimeout: 20_000 }, { caller: { kind: 'person', name: 'ops' } });
    roll.catch(() => undefined);
    await clock.advanceBy(120_000);
    await expect(roll).rejects.toThrow(/rolled back web-1/);
    await deployment.engine.invoker.invoke(web, 'resize', { size: 3 }, { caller: { kind: 'person', name: 'ops' } });
    await clock.advanceBy(30_000);
    expect(members(tree)).toEqual(['web-1=1', 'web-2=1', 'web-3=1']);
  });
});

describe('rolls started by a person through the API are arbitrated (issue 9, item 4)', () => {
  it('holds the subtree while the roll runs: the members\' restarters are preempted, not fighting the roll', async () => {
    const { clock, tree, deployment, decisions } = await scenario(cluster({ badVersion: '2', restarter: true }));
    await clock.advanceBy(15_000);
    const app = Fastify();
    await app.register(homeostatPlugin, { deployment, invokeWaitMs: 0 });
    const response = await app.inject({ method: 'POST', url: '/entities/web/effectors/rollingUpdate', payload: { version: '2', healthTimeout: 30_000 } });
    expect(response.statusCode).toBe(202);
    await clock.advanceBy(45_000); // web-1 boots v2 and stays down; the roll waits for its health gate, then rolls back
    const during = await decisions((d) => d.policy === 'web-1/restarter');
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((d) => d.includes(' preempted '))).toBe(true);
    const restartsByPolicy = (await deployment.knowledge.queryInvocations({ limit: 1000 })).filter((r) => r.effector === 'restart' && r.caller.kind === 'policy');
    expect(restartsByPolicy).toEqual([]);
    await clock.advanceBy(60_000);
    expect(members(tree)).toEqual(['web-1=1', 'web-2=1']);
    await app.close();
  });

  it('a person\'s invocation held through the engine is released when it ends, so policies act again', async () => {
    const { clock, tree, deployment, decisions } = await scenario(cluster({ restarter: true }));
    await clock.advanceBy(15_000);
    const roll = deployment.engine.invokeHeld(tree.get('web'), 'rollingRestart', {}, { caller: { kind: 'person', name: 'ops' } });
    await clock.advanceBy(40_000);
    await expect(roll).resolves.toEqual({ batches: [['web-1'], ['web-2']] });
    tree.get('web-2').setUp(false); // a crash after the roll: the restarter handles it
    await clock.advanceBy(20_000);
    expect(await decisions((d) => d.policy === 'web-2/restarter')).toEqual([expect.stringMatching(/restarter applied restart\(web-2\)/)]);
  });
});
