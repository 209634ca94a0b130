// Blueprints the mutation fuzz (mutation-fuzz.test.ts) found the loader answering badly, each cut down to
// its smallest form.
import { describe, expect, it } from 'vitest';
import { problemsOf } from './problems-of.js';

describe('problems the blueprint fuzz found', () => {
  it("a feed kind that is not a name is said to be one, not shown as '[object Object]'", async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  sensors: [{ name: x }]
  feeds:
    - { kind: { a: 1 }, sensor: x, every: 10s }
`);
    expect(found).toEqual([expect.stringMatching(/^6:15: kind: a feed kind is a name \(one of exec, http, prometheus, scan-report\), not a mapping$/)]);
  });

  it('a feed kind of another type says which', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  sensors: [{ name: x }]
  feeds:
    - { kind: [exec], sensor: x, every: 10s }
    - { kind: 5, sensor: x, every: 10s }
`);
    expect(found).toEqual([
      expect.stringMatching(/^6:15: kind: a feed kind is a name .*, not a list$/),
      expect.stringMatching(/^7:15: kind: a feed kind is a name .*, not 5$/),
    ]);
  });

  it("a required duration left out is said to be missing, not ''undefined' is not a duration'", async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  budget: { actions: 20 }
`);
    expect(found).toEqual(['4:11: window: required: a duration (a number of seconds, or e.g. 500ms, 30s, 5m, 1h)']);
  });

  // validate passed both; the running policy faulted at every evaluation on utilizationSensor '' ("entity 'web'
  // has no sensor ''") and took bootingSensor '' as none
  it.each(['utilizationSensor', 'bootingSensor'])("a brownout's optional %s given as '' is refused where it is", async (key) => {
    const found = await problemsOf(`name: t
application:
  id: web
  type: sim.swim
  config: { maxServers: 3, initialServers: 1 }
  policies:
    - use: brownout
      config:
        ${key}: ""
        maxSize: 3
        high: { responseTime: 0.4 }
        low: { responseTime: 0.2 }
`);
    expect(found).toEqual([expect.stringMatching(new RegExp(`^9:\\d+: ${key}: .*\\(policy 'brownout'\\)$`))]);
  });
});
