import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, durationSchema, intervalSchema } from '../../src/core/duration.js';
import path from 'node:path';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { MAX_GROUP_SIZE } from '../../src/core/limits.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { clusterBlueprint, fixtures, problemsOf } from './problems-of.js';

describe('bounded durations', () => {
  it('accepts the longest duration a timer can hold and refuses one millisecond more', () => {
    expect(durationSchema.parse(`${MAX_DURATION_MS}ms`)).toBe(MAX_DURATION_MS);
    expect(durationSchema.safeParse(`${MAX_DURATION_MS + 1}ms`).success).toBe(false);
    expect(durationSchema.safeParse('25d').error?.issues[0]?.message).toMatch(/'25d' is 25 d: .*2147483647 ms \(about 24\.8 d\)/);
    expect(durationSchema.safeParse(1e15).success).toBe(false);
  });

  it('says what was given when it is no duration at all', () => {
    expect(durationSchema.safeParse(Number.POSITIVE_INFINITY).error?.issues[0]?.message).toBe('Infinity is not a duration (a number of seconds, or e.g. 500ms, 30s, 5m, 1h)');
    expect(durationSchema.safeParse([1]).error?.issues[0]?.message).toMatch(/^a list is not a duration/);
    expect(durationSchema.safeParse('soon').error?.issues[0]?.message).toMatch(/^'soon' is not a duration/);
  });

  it('refuses zero where a zero interval would make a loop spin', () => {
    expect(intervalSchema.safeParse(0).success).toBe(false);
    expect(intervalSchema.safeParse('0ms').success).toBe(false);
    expect(intervalSchema.parse('1ms')).toBe(1);
    expect(durationSchema.parse(0)).toBe(0);
  });

  it('reports an over-long policy duration at its position', async () => {
    const found = await problemsOf(clusterBlueprint('- use: restarter\n  config: { recheckInterval: 25d, restartEffector: rollingRestart }'));
    expect(found).toEqual([expect.stringMatching(/^12:38: recheckInterval: '25d' is 25 d: .*longest a timer can wait/)]);
  });

  it('bounds durations of feeds, enrichers, sensors and budgets, and refuses zero intervals', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  budget: { actions: 5, window: 30d }
  sensors:
    - { name: load, staleAfter: 0 }
  enrichers:
    - { kind: rate, sensor: load, publish: load.rate, per: 0 }
  feeds:
    - { every: 0, tcp: { host: localhost, port: 1 } }
    - { every: 1s, http: { url: 'http://localhost:1/', timeout: 40d } }
`);
    expect(found).toEqual([
      expect.stringMatching(/^5:33: window: '30d' is 30 d/),
      expect.stringMatching(/^7:33: staleAfter: '0' is too short/),
      expect.stringMatching(/^9:60: per: '0' is too short/),
      expect.stringMatching(/^11:16: every: '0' is too short/),
      expect.stringMatching(/^12:65: http.timeout: '40d' is 40 d/),
    ]);
  });

  it('refuses zero intervals in every built-in policy that polls or backs off', async () => {
    const policies = [
      '- use: restarter\n  config: { maxBackoff: 0, restartEffector: rollingRestart }',
      '- use: replacer\n  config: { recheckInterval: 0 }',
      '- use: autoscaler\n  config: { metric: cpu, target: 0.5, max: 4, evaluationInterval: 0 }',
    ];
    for (const policy of policies) expect(await problemsOf(clusterBlueprint(policy))).toEqual([expect.stringContaining('is too short')]);
  });
});

describe('bounded counts', () => {
  it('refuses an absurd initial size at its position', async () => {
    const found = await problemsOf(clusterBlueprint('- use: replacer', ' initialSize: 1000000000 '));
    expect(found).toEqual([expect.stringMatching(/^8:30: initialSize: a group size is at most 10000 \(members\)/)]);
  });

  it('accepts a group at the bound, and it deploys', async () => {
    const text = clusterBlueprint('- use: replacer', ` initialSize: ${MAX_GROUP_SIZE} `).replace('memberSpec: { type: sim.server }', 'memberSpec: { type: sim.server, policies: [{ use: restarter }] }');
    const blueprint = await parseBlueprint(text, path.join(fixtures, 'inline.yaml'));
    const deployment = await Deployment.create(blueprint, { scheduler: new VirtualClock() });
    deployment.start();
    expect(deployment.tree.get('web').members).toHaveLength(MAX_GROUP_SIZE);
    await deployment.stop();
    expect(await problemsOf(clusterBlueprint('- use: replacer', ` initialSize: ${MAX_GROUP_SIZE + 1} `))).toHaveLength(1);
  });

  it('bounds sizes and counts in policy configs', async () => {
    const found = await problemsOf(clusterBlueprint('- use: restarter\n  config: { maxRestarts: 1000000, restartEffector: rollingRestart }\n- use: autoscaler\n  config: { metric: cpu, target: 0.5, max: 1000000000 }'));
    expect(found).toEqual([expect.stringMatching(/maxRestarts: a count of attempts is at most 1000/), expect.stringMatching(/max: a group size is at most 10000 \(members\)/)]);
  });

  it('bounds simulated sizes and rates, and refuses a start above the maximum', async () => {
    const found = await problemsOf(`name: t
application:
  id: swim
  type: sim.swim
  config: { maxServers: 3, initialServers: 5, rate: 1e12 }
`);
    expect(found).toEqual(expect.arrayContaining([expect.stringContaining('rate: a simulated arrival rate is at most 100000'), expect.stringContaining('initialServers must not exceed maxServers')]));
  });
});
