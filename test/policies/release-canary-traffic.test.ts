import path from 'node:path';
import { interval } from 'rxjs';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { seededRandom } from '../../src/drivers/seeded-random.js';
import { builtinEffectorKinds } from '../../src/effectors/kinds/builtin-kinds.js';
import { defineEffectorKind } from '../../src/effectors/kinds/effector-kind.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { problemsOf } from '../blueprint/problems-of.js';

// A load balancer (`lb`) and a web cluster released by canary; the release names lb's `setWeight` as the
// canary's traffic hook. Servers running `bad` fail 30 % of their requests, others 1 %.
const blueprint = (version: string) => `
name: shop
application:
  id: shop
  children:
    - id: lb
      effectors:
        - name: setWeight
          kind: weights
          params: { version: string, weight: number, canary: string, baseline: string }
    - id: web
      type: cluster
      config: { initialSize: 4 }
      memberSpec:
        type: sim.server
        config: { bootTime: 5s }
        sensors:
          - { name: http.errors.rate, unit: ratio }
  policies:
    - use: release
      config:
        version: "${version}"
        evaluationInterval: 30s
        targets:
          - entity: web
            strategy: canary
            steps: [{ weight: 25, pause: 30s }, { weight: 50, pause: 30s }]
            checks: [{ sensor: http.errors.rate, max: 0.05, minSamples: 5 }]
            traffic: { entity: lb, effector: setWeight }
`;

/** Deploys the blueprint in virtual time with a `weights` effector kind: a load balancer that records each weight it is told, and what the members ran then. */
async function release(version: string) {
  const weights: string[] = [];
  let running = (): string[] => [];
  const kinds = builtinEffectorKinds().register(
    defineEffectorKind({
      kind: 'weights',
      description: 'records the weights it is told',
      fields: z.strictObject({}),
      create: () => async (params) => {
        weights.push(`${String(params['version'])} ${String(params['weight'])}% canary=${String(params['canary'])} running=${running().join(',')}`);
        return { weight: params['weight'] };
      },
    }),
  );
  const clock = new VirtualClock();
  const parsed = await parseBlueprint(blueprint(version), path.join(import.meta.dirname, 'inline.yaml'), { effectorKinds: kinds });
  const deployment = await Deployment.create(parsed, { scheduler: clock, random: seededRandom(1) });
  deployment.start();
  const web = deployment.tree.get('web');
  running = () => web.members.map((m) => String(m.sensor('version').value));
  const feed = interval(1_000, clock).subscribe(() => {
    for (const m of web.members) if (m.sensor<boolean>('service.up').value === true) m.sensor('http.errors.rate').publish(m.sensor('version').value === 'bad' ? 0.3 : 0.01);
  });
  await clock.advanceBy(300_000);
  feed.unsubscribe();
  const releases = (await deployment.knowledge.queryDecisions({ limit: 1000 })).filter((d) => d.policy === 'shop/release').reverse();
  await deployment.stop();
  return { weights, running, releases };
}

describe('a release whose canary target shifts traffic through a hook, in virtual time', () => {
  it('passes the hook to the canary: each step\'s weight once its members are up, then 100 on promotion', async () => {
    const { weights, running, releases } = await release('2');
    expect(weights).toEqual([
      '2 25% canary=web-1 running=2,1,1,1',
      '2 50% canary=web-1,web-2 running=2,2,1,1',
      '2 100% canary=web-1,web-2,web-3,web-4 running=2,2,2,2',
    ]);
    expect(running()).toEqual(['2', '2', '2', '2']);
    // one plan ran the canary; plans made while it ran were superseded or refused as out of date, none failed
    const applied = releases.filter((d) => d.outcome === 'applied');
    expect(applied).toHaveLength(1);
    expect(applied[0]?.actions[0]?.params).toMatchObject({ traffic: { entity: 'lb', effector: 'setWeight' } });
    expect(releases.map((d) => d.outcome)).not.toContain('failed');
  });

  it('a bad version: the weight goes back to 0 before the canary member is rolled back, and the release fails', async () => {
    const { weights, running, releases } = await release('bad');
    expect(weights).toEqual(['bad 25% canary=web-1 running=bad,1,1,1', 'bad 0% canary= running=bad,1,1,1']);
    expect(running()).toEqual(['1', '1', '1', '1']);
    const failed = releases.filter((d) => d.outcome === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatch(/^step 'web' failed: .*canary aborted at step 1/);
  });
});

describe('a release target\'s traffic hook is validated with positions', () => {
  const tree = `name: t
application:
  id: app
  children:
    - id: lb
    - id: web
      type: cluster
      memberSpec: { type: sim.server }
  policies:
    - use: release
      config:
        version: "2"
        targets:
`;

  it('reports a hook entity that does not exist and an effector the hook entity lacks, at the hook', async () => {
    const found = await problemsOf(`${tree}          - { entity: web, strategy: canary, steps: [{ weight: 50, pause: 1m }], traffic: { entity: nolb, effector: setWeight } }
          - { entity: lb, strategy: update, after: [web] }
`);
    expect(found).toEqual([
      expect.stringMatching(/^14:\d+: .*nolb/),
      expect.stringMatching(/^15:\d+: .*'update' on 'lb', which does not have it/),
    ]);
    const lacking = await problemsOf(`${tree}          - { entity: web, strategy: canary, steps: [{ weight: 50, pause: 1m }], traffic: { entity: lb, effector: setWeight } }
`);
    expect(lacking).toEqual([expect.stringMatching(/^14:1\d\d: .*invokes effector 'setWeight' on 'lb', which does not have it/)]);
  });

  it('refuses a hook on a target that is not a canary, at its traffic field', async () => {
    const found = await problemsOf(`${tree}          - { entity: web, traffic: { entity: lb, effector: setWeight } }
`);
    expect(found).toEqual([expect.stringMatching(/^14:\d+: targets\.0\.traffic: 'traffic' shifts a canary's weight: it needs strategy: canary \(this target's is rolling\)/)]);
  });
});
