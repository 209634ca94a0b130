import Fastify from 'fastify';
import { interval } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/knowledge/decision.js';
import { Registry } from 'prom-client';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { HomeostatMetrics } from '../../src/telemetry/metrics.js';
import { scenario } from '../scenarios/helpers.js';

// A cluster of simulated servers whose error rate depends on the version they run: `bad` fails 30 % of
// requests, any other version 1 %. The test stands for the members' feed: one reading per member per second.
const blueprint = (size: number) => `
name: progressive
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: ${size} }
      memberSpec:
        type: sim.server
        config: { bootTime: 5s }
        sensors:
          - { name: http.errors.rate, unit: ratio }
`;

async function cluster(size = 4) {
  const s = await scenario(blueprint(size));
  const web = s.tree.get('web');
  const feed = interval(1_000, s.clock).subscribe(() => {
    for (const m of web.members) {
      if (m.sensor<boolean>('service.up').value !== true) continue;
      m.sensor('http.errors.rate').publish(m.sensor('version').value === 'bad' ? 0.3 : 0.01);
    }
  });
  await s.clock.advanceBy(10_000);
  const invoke = (effector: string, params: unknown) => {
    const run = s.deployment.engine.invoker.invoke(web, effector, params, { caller: { kind: 'person', name: 'ops' } });
    run.catch(() => undefined);
    return run;
  };
  const records = async (policy: string): Promise<Decision[]> => (await s.deployment.knowledge.queryDecisions({ limit: 1000 })).filter((d) => d.policy === policy).reverse();
  const versions = () => web.members.map((m) => String(m.sensor('version').value));
  return { ...s, web, feed, invoke, records, versions };
}

const checks = [{ sensor: 'http.errors.rate', max: 0.05, maxAboveBaseline: 0.02, minSamples: 5 }];
const steps = [{ weight: 25, pause: '30s' }, { weight: 50, pause: '30s' }];

describe('canary on a cluster, in virtual time', () => {
  it('a good version passes every step and is promoted; each step is a Decision with its numbers', async () => {
    const { clock, invoke, records, versions, feed } = await cluster();
    const run = invoke('canary', { version: '2', steps, checks });
    await clock.advanceBy(200_000);
    const result = (await run) as { steps: Array<{ pass: boolean; canary: string[] }>; promoted: string[] };
    expect(result.steps.map((s) => [s.pass, s.canary.length])).toEqual([[true, 1], [true, 2]]);
    expect(versions()).toEqual(['2', '2', '2', '2']);
    const decisions = await records('web/canary');
    expect(decisions.map((d) => `${d.symptom.kind} ${d.outcome}`)).toEqual(['canary.step applied', 'canary.step applied', 'canary.promoted applied']);
    const first = decisions[0] as Decision;
    expect(first.policyName).toBe('canary');
    expect(first.reason).toMatch(/^step 1\/2: 1 of 4 members \(25%\) on 2 for 30 s; http\.errors\.rate: 0\.01 <= max 0\.05; 0\.01 <= baseline 0\.01 \+ 0\.02 \(canary 0\.01 over (2[5-9]|30) readings, baseline 0\.01 over (7[5-9]|[89]\d) readings\): go on to step 2$/);
    const detail = first.symptom.detail as { checks: Array<{ canary: { samples: number }; baseline: { samples: number } }> };
    expect(detail.checks[0]?.canary.samples).toBeGreaterThanOrEqual(25);
    feed.unsubscribe();
  });

  it('a bad version fails the analysis of its first step: the canary is rolled back and the rest never touched', async () => {
    const { clock, invoke, records, versions, feed, web } = await cluster();
    const stamps = () => web.members.slice(1).map((m) => m.sensor('version').current?.at);
    const before = stamps();
    const run = invoke('canary', { version: 'bad', steps, checks });
    await clock.advanceBy(200_000);
    await expect(run).rejects.toThrow(/canary aborted at step 1: analysis failed: http\.errors\.rate: 0\.3 <= max 0\.05 FAILED; 0\.3 <= baseline 0\.01 \+ 0\.02 FAILED .*rolled back web-1/);
    expect(versions()).toEqual(['1', '1', '1', '1']);
    expect(stamps()).toEqual(before); // web-2..4 were never updated
    const decisions = await records('web/canary');
    expect(decisions.map((d) => `${d.symptom.kind} ${d.outcome}`)).toEqual(['canary.step failed', 'canary.rollback applied']);
    expect(decisions[0]?.error?.code).toBe('E_ANALYSIS_FAILED');
    expect(decisions[1]?.reason).toMatch(/rolled back web-1/);
    feed.unsubscribe();
  });

  it('too few readings is inconclusive: the step does not pass on data the loop does not have', async () => {
    const { clock, invoke, records, versions, feed } = await cluster();
    feed.unsubscribe(); // the feed went quiet
    const run = invoke('canary', { version: '2', steps, checks });
    await clock.advanceBy(100_000);
    await expect(run).rejects.toThrow(/inconclusive: 0 canary readings, 5 needed/);
    expect(versions()).toEqual(['1', '1', '1', '1']);
    expect((await records('web/canary')).map((d) => d.outcome)).toEqual(['failed', 'applied']);
  });

  it('rejects steps whose weights do not rise, and a check without a limit, before anything runs', async () => {
    const { invoke, clock, versions, feed } = await cluster();
    await expect(invoke('canary', { version: '2', steps: [{ weight: 50, pause: 1 }, { weight: 20, pause: 1 }] })).rejects.toThrow(/step weights must rise/);
    await expect(invoke('canary', { version: '2', steps, checks: [{ sensor: 'http.errors.rate' }] })).rejects.toThrow(/at least one limit/);
    await clock.advanceBy(1_000);
    expect(versions()).toEqual(['1', '1', '1', '1']);
    feed.unsubscribe();
  });
});

describe('blue-green on a cluster, in virtual time', () => {
  const params = { checks, analysis: '30s', keepOldFor: '2m' };

  it('starts the new set beside the old, switches after the analysis passes, retires the old set after keepOldFor', async () => {
    const { clock, invoke, records, web, feed } = await cluster(2);
    const run = invoke('blueGreen', { version: '2', ...params });
    await clock.advanceBy(40_000);
    expect(web.members.map((m) => m.id)).toEqual(['web-1', 'web-2', 'web-3', 'web-4']);
    expect(web.sensor('release.active').value).toEqual({ version: '2', members: ['web-3', 'web-4'] });
    await clock.advanceBy(60_000);
    expect(web.members).toHaveLength(4); // the old set is still there to switch back to
    await clock.advanceBy(80_000);
    await expect(run).resolves.toMatchObject({ active: ['web-3', 'web-4'], retired: ['web-1', 'web-2'] });
    expect(web.members.map((m) => `${m.id}=${String(m.sensor('version').value)}`)).toEqual(['web-3=2', 'web-4=2']);
    expect((await records('web/blueGreen')).map((d) => `${d.symptom.kind} ${d.outcome}`)).toEqual(['blueGreen.analysis applied', 'blueGreen.switched applied', 'blueGreen.completed applied']);
    feed.unsubscribe();
  });

  it('a bad new set fails its analysis: it is retired and the old set never stopped serving', async () => {
    const { clock, invoke, records, web, feed } = await cluster(2);
    const run = invoke('blueGreen', { version: 'bad', ...params });
    await clock.advanceBy(60_000);
    await expect(run).rejects.toThrow(/aborted before the switch .*serving: web-1, web-2/);
    expect(web.members.map((m) => m.id)).toEqual(['web-1', 'web-2']);
    expect(web.hasSensor('release.active') ? web.sensor('release.active').value : undefined).toBeUndefined();
    expect((await records('web/blueGreen')).map((d) => `${d.symptom.kind} ${d.outcome}`)).toEqual(['blueGreen.analysis failed', 'blueGreen.analysis failed']);
    feed.unsubscribe();
  });

  it('a check that fails while the old set is kept switches back to it', async () => {
    const { clock, invoke, records, web, feed } = await cluster(2);
    const run = invoke('blueGreen', { version: '2', ...params });
    await clock.advanceBy(50_000); // switched
    expect(web.sensor('release.active').value).toMatchObject({ members: ['web-3', 'web-4'] });
    // the new version degrades under full traffic
    const degraded = interval(1_000, clock).subscribe(() => web.members.filter((m) => m.sensor('version').value === '2').forEach((m) => m.sensor('http.errors.rate').publish(0.2)));
    await clock.advanceBy(120_000);
    await expect(run).rejects.toThrow(/switched back/);
    expect(web.sensor('release.active').value).toEqual({ version: '1', members: ['web-1', 'web-2'] });
    expect(web.members.map((m) => m.id)).toEqual(['web-1', 'web-2']);
    expect((await records('web/blueGreen')).map((d) => d.symptom.kind)).toEqual(['blueGreen.analysis', 'blueGreen.switched', 'blueGreen.switchedBack']);
    degraded.unsubscribe();
    feed.unsubscribe();
  });
});

describe('progressive operations in the service', () => {
  it('a canary started through the API shows its steps in /decisions and in the decision metrics', async () => {
    const { clock, deployment, feed } = await cluster();
    const registry = new Registry();
    new HomeostatMetrics({ registry, engine: deployment.engine, tree: deployment.tree });
    const app = Fastify();
    await app.register(homeostatPlugin, { deployment, invokeWaitMs: 0 });
    const started = await app.inject({ method: 'POST', url: '/entities/web/effectors/canary', payload: { version: 'bad', steps, checks } });
    expect(started.statusCode).toBe(202);
    await clock.advanceBy(100_000);
    const listed = (await app.inject({ method: 'GET', url: '/decisions?policy=web/canary' })).json<Decision[]>();
    expect(listed.map((d) => d.symptom.kind)).toEqual(['canary.rollback', 'canary.step']);
    expect(listed[1]?.reason).toMatch(/http\.errors\.rate: 0\.3 <= max 0\.05 FAILED/);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/homeostat_decisions_total\{[^}]*policy="canary"[^}]*outcome="failed"[^}]*\} 1/);
    await app.close();
    feed.unsubscribe();
  });
});

describe('canary step sizes', () => {
  it('a step moves the share of members nearest its weight, and leaves a baseline while its weight is under 100', async () => {
    // before: ceil(weight x members), so 34 % and 67 % of 3 moved 2 then 3 members, and the second step had
    // no baseline: its maxAboveBaseline limit was not applied
    const { clock, invoke, versions } = await cluster(3);
    const run = invoke('canary', { version: '2', steps: [{ weight: 34, pause: '20s' }, { weight: 67, pause: '20s' }], checks });
    await clock.advanceBy(200_000);
    const result = (await run) as { steps: Array<{ canary: string[]; baseline: string[] }> };
    expect(result.steps.map((s) => [s.canary.length, s.baseline.length])).toEqual([[1, 2], [2, 1]]);
    expect(versions()).toEqual(['2', '2', '2']);
  });

  it('a step of 99 % on 2 members still leaves one on the old version; one of 1 % still moves one', async () => {
    const { clock, invoke } = await cluster(2);
    const run = invoke('canary', { version: '2', steps: [{ weight: 1, pause: '20s' }, { weight: 99, pause: '20s' }], checks });
    await clock.advanceBy(200_000);
    const result = (await run) as { steps: Array<{ canary: string[]; baseline: string[] }> };
    expect(result.steps.map((s) => [s.canary.length, s.baseline.length])).toEqual([[1, 1], [1, 1]]);
  });

  it('a step that leaves no baseline says so in its decision', async () => {
    const { clock, invoke, records } = await cluster(1);
    // one member: any step takes the group's only member (its quorum) down, which this canary allows
    const run = invoke('canary', { version: '2', steps: [{ weight: 50, pause: '20s' }], checks, allowQuorumLoss: true });
    await clock.advanceBy(100_000);
    await run;
    const [step] = await records('web/canary');
    expect(step?.reason).toMatch(/^step 1\/1: 1 of 1 members \(50%\) on 2 for 20 s, no member left on the old version: its baseline limits are not applied; http\.errors\.rate: /);
  });
});
