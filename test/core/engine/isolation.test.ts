// A badly written policy never kills the process: every way a policy module can break its contract is a
// recorded fault, the policy restarts with backoff, and the other loops keep running. Nothing reaches RxJS's
// unhandled-error path or Node's uncaught-exception and unhandled-rejection paths.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { config as rxjsConfig } from 'rxjs';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { definePolicy, type PolicyDefinition } from '../../../src/policies/define-policy.js';
import { MODES } from './fixtures/misbehaving-policy.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');

/** What each misbehaviour must be recorded as: the phase and the message. */
const EXPECTED: Record<(typeof MODES)[number], [string, RegExp]> = {
  'async-plan': ['plan', /^plan\(\) returned a Promise: plan must be synchronous and pure/],
  'rejecting-plan': ['plan', /^plan\(\) returned a Promise: plan must be synchronous and pure/],
  'string-actions': ['plan', /^plan\(\) returned an invalid plan \(an object\): actions: .*expected array, received string/],
  'bad-action': ['plan', /^plan\(\) returned an invalid plan \(an object\): actions\.0\.entity: .*expected string.*; actions\.0\.effector: .*; reason: /],
  'function-params': ['plan', /actions\.0\.params: a function is not JSON/],
  'monitor-promise': ['monitor', /^monitor\(\) returned a Promise, not an Observable/],
  'monitor-throws': ['monitor', /^monitor exploded$/],
  'analyze-not-observable': ['analyze', /^analyze\(\) returned a number, not an Observable$/],
  'analyze-throws': ['analyze', /^analyze exploded$/],
  'emit-then-error': ['analyze', /^stream broke after emitting$/],
  'bad-symptom': ['analyze', /^analyze emitted an invalid symptom \(a number\)/],
  completes: ['analyze', /^the analyze stream completed/],
  'observe-throws': ['observe', /^observe exploded$/],
  'scheduled-throw': ['analyze', /^scheduled work exploded$/],
  'sync-burst': ['plan', /^plan exploded on burst-1$/],
};

describe('policy isolation', () => {
  const escaped: unknown[] = [];
  const onProcessError = (error: unknown) => escaped.push(error);
  const saved = rxjsConfig.onUnhandledError;
  beforeEach(() => {
    escaped.length = 0;
    rxjsConfig.onUnhandledError = (error: unknown) => escaped.push(error);
    process.on('uncaughtException', onProcessError);
    process.on('unhandledRejection', onProcessError);
  });
  afterEach(() => {
    rxjsConfig.onUnhandledError = saved;
    process.off('uncaughtException', onProcessError);
    process.off('unhandledRejection', onProcessError);
  });

  it('records every contract breach as a fault with its phase and message, restarts with backoff, and keeps the other loops running', async () => {
    const clock = new VirtualClock();
    const policies = MODES.map((mode) => `        - { module: ./misbehaving-policy.ts, id: ${mode}, config: { mode: ${mode} } }`).join('\n');
    const blueprint = await parseBlueprint(`name: isolation
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 1 }
      memberSpec: { type: entity }
      policies:
${policies}
        - use: autoscaler
          config: { metric: group.size, target: 0.5, min: 1, max: 3, scaleDown: { stabilization: 0 } }
`, path.join(fixtures, 'inline.yaml'));
    const deployment = await Deployment.create(blueprint, { scheduler: clock });
    deployment.start();
    await clock.advanceBy(1_500);

    for (const mode of MODES) {
      const faults = await deployment.knowledge.queryFaults({ policy: mode });
      const [phase, message] = EXPECTED[mode];
      // one fault per run (a burst of synchronous emissions after a fault is ignored), restarted after 1 s, then 2 s
      expect(faults.map((f) => [f.phase, f.restartInMs]), mode).toEqual([[phase, 2_000], [phase, 1_000]]);
      for (const fault of faults) expect(fault.message, mode).toMatch(message);
      expect(deployment.engine.policy(mode).state, mode).toBe('restarting');
    }
    // what the stream emitted before its error was planned and recorded
    expect((await deployment.knowledge.queryDecisions({ policy: 'emit-then-error' }))[0]).toMatchObject({ outcome: 'no_action', count: 2 });
    // the autoscaler never stopped: group.size 1 against a target of 0.5 per member -> 2 -> 3
    expect(deployment.tree.get('web').members.length).toBe(3);
    expect(deployment.engine.policy('web/autoscaler')).toMatchObject({ state: 'running', faults: 0 });

    await deployment.stop({ graceMs: 0 });
    // RxJS reports unhandled errors on a real timer (setTimeout 0): let one pass before looking
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(escaped).toEqual([]);
  });

  it('turns a policy that keeps failing into a bounded backoff, not a busy loop', async () => {
    const clock = new VirtualClock();
    const blueprint = await parseBlueprint(`name: backoff
application:
  id: app
  children:
    - id: web
      type: cluster
      memberSpec: { type: entity }
      policies:
        - { module: ./misbehaving-policy.ts, id: broken, config: { mode: async-plan } }
`, path.join(fixtures, 'inline.yaml'));
    const deployment = await Deployment.create(blueprint, { scheduler: clock });
    deployment.start();
    await clock.advanceBy(60 * 60_000);
    const delays = (await deployment.knowledge.queryFaults({ policy: 'broken', limit: 1_000 })).map((f) => f.restartInMs).reverse();
    // 1 s doubling to the 5 min cap: 1+2+...+256 s is about 8.5 min, then one restart per 5 min
    expect(delays.slice(0, 10)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300].map((s) => s * 1000));
    expect(delays.length).toBeLessThan(25);
    await deployment.stop({ graceMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(escaped).toEqual([]);
  });

  it('refuses a policy definition that cannot run, when it is defined, naming every problem', () => {
    const define = (value: unknown) => () => definePolicy(value as PolicyDefinition);
    expect(define({ name: 'half', config: {}, monitor: 'sensor', plan: () => undefined, observe: 1 })).toThrow(
      "policy 'half': config must be a zod schema (e.g. z.object({})); monitor must be a function; analyze must be a function; observe must be a function when given",
    );
    expect(define({ name: '9lives' })).toThrow(/name "9lives" must start with a letter/);
    // an object that only looks like a schema (safeParse returning the value) used to pass here, and its
    // attachment then failed with "Cannot read properties of undefined (reading 'issues')", naming no policy
    const lookalike = { safeParse: (value: unknown) => value, parse: (value: unknown) => value };
    expect(define({ name: 'lookalike', config: lookalike, monitor: () => undefined, analyze: () => undefined, plan: () => undefined })).toThrow(
      "policy 'lookalike': config must be a zod schema (e.g. z.object({}))",
    );
    expect(define(undefined)).toThrow(/definePolicy: expects an object/);
  });
});
