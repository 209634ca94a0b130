import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/knowledge/decision.js';
import { problemsOf } from '../blueprint/problems-of.js';
import { scenario } from '../scenarios/helpers.js';

// A migration job, an API cluster and a web cluster; the release moves them to version 2 in that order.
const shop = (opts: { badApi?: boolean; release?: string } = {}) => `
name: shop
application:
  id: shop
  children:
    - id: migrate
      type: sim.server
      config: { bootTime: 5s }
    - id: api
      type: cluster
      config: { initialSize: 3 }
      memberSpec:
        type: sim.server
        config: { bootTime: 5s${opts.badApi ? ', badVersion: "2"' : ''} }
    - id: web
      type: cluster
      config: { initialSize: 2 }
      memberSpec: { type: sim.server, config: { bootTime: 5s } }
  policies:
    - use: release
      config:
        version: "2"
        evaluationInterval: 30s
        targets:
          - { entity: migrate, strategy: update }
          - { entity: web, after: [api], maxUnavailable: 2, healthTimeout: 30s }
          - { entity: api, after: [migrate], maxUnavailable: 2, healthTimeout: 30s }
${opts.release ?? ''}`;

async function run(yaml: string) {
  const s = await scenario(yaml);
  const versions = () => ['migrate', ...s.tree.get('api').members.map((m) => m.id), ...s.tree.get('web').members.map((m) => m.id)].map((id) => `${id}=${String(s.tree.get(id).sensor('version').value)}`);
  const releases = async (): Promise<Decision[]> => (await s.deployment.knowledge.queryDecisions({ limit: 1000 })).filter((d) => d.policy === 'shop/release').reverse();
  return { ...s, versions, releases };
}

describe('release policy across the tree, in virtual time', () => {
  it('moves the migration, then the API, then the web tier, in batches behind health gates', async () => {
    const { clock, versions, releases, deployment } = await run(shop());
    await clock.advanceBy(120_000);
    expect(versions()).toEqual(['migrate=2', 'api-1=2', 'api-2=2', 'api-3=2', 'web-1=2', 'web-2=2']);
    const [decision, ...rest] = await releases();
    expect(rest).toEqual([]); // once done, the tree matches the release: nothing more is planned
    expect(decision?.outcome).toBe('applied');
    expect(decision?.reason).toBe('release 2: migrate (update), api (rollingUpdate after migrate), web (rollingUpdate after api); no maintenance window declared');
    expect(decision?.detail).toBe('migrate done, api done, web done');
    // the API went in batches of two: api-1 and api-2 together, then api-3
    const updates = (await deployment.knowledge.queryInvocations({ limit: 100 })).filter((r) => r.effector === 'update' && r.entity.startsWith('api')).reverse();
    expect(updates.map((r) => [r.entity, r.at])).toEqual([['api-1', updates[0]?.at], ['api-2', updates[0]?.at], ['api-3', expect.any(Number)]]);
    expect(updates[2]?.at).toBeGreaterThanOrEqual((updates[0]?.at ?? 0) + 5_000);
  });

  it('stops at the batch that failed, rolls it back, skips what depends on it, and says which', async () => {
    const { clock, versions, releases } = await run(shop({ badApi: true }));
    await clock.advanceBy(200_000);
    expect(versions()).toEqual(['migrate=2', 'api-1=1', 'api-2=1', 'api-3=1', 'web-1=1', 'web-2=1']);
    const [failed, ...after] = await releases();
    expect(failed?.outcome).toBe('failed');
    expect(failed?.detail).toMatch(/^step 'api' failed: .*batch 1 failed its health gate .*rolled back api-2, api-1; migrate done, api failed, web skipped$/);
    // the plan made while it ran (api-1 and api-2 moving) waits: taking api-3 down then would have cost the
    // API its quorum; later plans refuse until the version changes
    expect(after.map((d) => d.outcome)).toEqual(['blocked', 'refused']);
    expect(after[0]?.reason).toBe('release 2 of api, web waits: taking api-3 down now would cost api its quorum (0 of 3 up (need at least 1)); it waits for the members down to come back');
    expect(after[1]?.reason).toMatch(/^release 2 failed \(step 'api' failed: .*\); set another version to release again$/);
  });

  it('waits for the maintenance window to open', async () => {
    // the virtual clock starts at 1970-01-01T00:00Z; the window opens at 02:00 for an hour
    const { clock, versions, releases } = await run(shop({ release: '        windows: [{ cron: "0 2 * * *", duration: 1h }]' }));
    await clock.advanceBy(60_000);
    expect(versions()[0]).toBe('migrate=1');
    expect((await releases()).map((d) => `${d.outcome}: ${d.reason}`)).toEqual(['blocked: release 2 of migrate, api, web waits: outside every maintenance window; the next opens at 1970-01-01T02:00:00.000Z']);
    await clock.advanceTo(2 * 3_600_000 + 120_000);
    expect(versions().every((v) => v.endsWith('=2'))).toBe(true);
    expect((await releases()).at(-1)?.reason).toMatch(/maintenance window '0 2 \* \* \*' open until 1970-01-01T03:00:00\.000Z$/);
  });

  it('holds while the freeze switch is on, and a freeze during a release stops it before the next target', async () => {
    const { clock, tree, versions, releases } = await run(shop());
    tree.get('shop').sensor('release.freeze').publish(true);
    await clock.advanceBy(60_000);
    expect(versions()[0]).toBe('migrate=1');
    expect((await releases()).map((d) => d.outcome)).toEqual(['blocked']);
    expect((await releases())[0]?.reason).toMatch(/frozen by release\.freeze on 'shop'/);
    tree.get('shop').sensor('release.freeze').publish(false);
    await clock.advanceBy(36_000); // the release starts at 90 s: the migration is done at 95 s, the API is moving
    tree.get('shop').sensor('release.freeze').publish(true);
    await clock.advanceBy(60_000);
    expect(versions()).toEqual(['migrate=2', 'api-1=2', 'api-2=2', 'api-3=2', 'web-1=1', 'web-2=1']);
    const stopped = (await releases()).find((d) => d.outcome === 'applied');
    expect(stopped?.detail).toBe('migrate done, api done, web skipped');
    tree.get('shop').sensor('release.freeze').publish(false);
    await clock.advanceBy(60_000);
    expect(versions().every((v) => v.endsWith('=2'))).toBe(true);
  });
});

describe('release declarations are validated with positions', () => {
  it('reports an unknown dependency, a circle, a bad cron, a missing target and a canary without steps', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  children:
    - id: web
      type: cluster
      memberSpec: { type: sim.server }
  policies:
    - use: release
      config:
        version: "2"
        windows: [{ cron: "0 25 * * *", duration: 1h }]
        targets:
          - { entity: web, after: [db], strategy: canary }
          - { entity: cache, after: [web] }
          - { entity: web2, after: [web3] }
          - { entity: web3, after: [web2] }
`);
    expect(found).toEqual([
      expect.stringMatching(/^12:\d+: .*'0 25 \* \* \*' is not a valid cron expression/),
      expect.stringMatching(/^14:36: .*'db' is not a target of this release/),
      expect.stringMatching(/^14:51: .*a canary target needs 'steps'/),
      expect.stringMatching(/^16:\d+: .*the targets depend on each other in a circle: web2 -> web3 -> web2/),
    ]);
  });

  it('reports targets that do not exist or lack the strategy\'s effector', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  children:
    - id: box
  policies:
    - use: release
      config:
        version: "2"
        targets:
          - { entity: box, strategy: canary, steps: [{ weight: 50, pause: 1m }] }
          - { entity: nowhere }
`);
    expect(found).toEqual([expect.stringMatching(/^11:\d+: .*'canary' on 'box', which does not have it/), expect.stringMatching(/^12:\d+: .*nowhere/)]);
  });
});

describe('a member moved off the release by hand', () => {
  it('is brought back to the release version at the next evaluation, though the last release covered its group', async () => {
    const { clock, tree, versions, releases, deployment } = await run(shop());
    await clock.advanceBy(120_000);
    expect(versions().every((v) => v.endsWith('=2'))).toBe(true);
    // before: web read 2 and 1 (no single version), the last applied release covered it, so it counted as current
    const byHand = deployment.engine.invoker.invoke(tree.get('web-1'), 'update', { version: '1' }, { caller: { kind: 'person', name: 'ops' } });
    await clock.advanceBy(6_000);
    await byHand;
    expect(versions()).toContain('web-1=1');
    await clock.advanceBy(60_000);
    expect(versions()).toContain('web-1=2');
    expect((await releases()).at(-1)?.reason).toBe('release 2: web (rollingUpdate); no maintenance window declared');
  });
});
