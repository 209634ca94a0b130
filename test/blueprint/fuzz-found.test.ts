// Blueprints the mutation fuzz (mutation-fuzz.test.ts) found the loader answering badly, each cut down to
// its smallest form.
import { describe, expect, it } from 'vitest';
import { clusterBlueprint, problemsOf } from './problems-of.js';

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

  // each threw a ReferenceError out of the YAML library: validate printed it at 1:1, as if it were nowhere
  it('an alias whose anchor is not set is refused where the alias is', async () => {
    expect(await problemsOf('name: x\napplication:\n  id: app\n  type: *nowhere\n')).toEqual(["4:9: YAML: alias '*nowhere' names no anchor: an anchor '&nowhere' must be set before it"]);
  });

  it('an alias before its anchor is refused where the alias is', async () => {
    expect(await problemsOf('name: x\napplication:\n  id: app\n  config: { a: *later, b: &later 1 }\n')).toEqual(["4:16: YAML: alias '*later' names no anchor: an anchor '&later' must be set before it"]);
  });

  it('aliases that expand past the bound (a billion laughs) are refused as such, at the alias that goes past it', async () => {
    const text = ['name: x', 'a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]', ...['b', 'c', 'd', 'e'].map((n, i) => `${n}: &${n} [${Array(10).fill(`*${'abcd'[i]}`).join(', ')}]`), 'application: { id: app, config: { x: *e } }', ''].join('\n');
    const found = await problemsOf(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^\d+:\d+: YAML: aliases expand too far \(.*\); a blueprint needs few of them$/);
  });

  it('one anchor named 10,000 times is refused at its first alias, in well under a second (each alias was resolved by a walk of the whole document: 12 s, then 40 s with a second check)', async () => {
    const text = `name: x\napplication:\n  id: app\n  config:\n    a: &a 1\n    list: [${Array(10_000).fill('*a').join(', ')}]\n`;
    const started = performance.now();
    expect(await problemsOf(text)).toEqual(['6:12: YAML: aliases expand too far (an anchor repeated past the bound, counting the aliases it holds); a blueprint needs few of them']);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("an empty blueprint is told what it lacks once each, in words: not also 'application: Invalid input: expected nonoptional, received undefined'", async () => {
    expect(await problemsOf('')).toEqual(["1:1: the blueprint needs an 'application' (the root entity)", '1:1: name: required (a string)']);
  });

  it("a required key left out is said to be required, not 'Invalid input: expected number, received undefined'", async () => {
    expect(await problemsOf(clusterBlueprint('- use: autoscaler\n  config: { metric: cpu, target: 0.5 }'))).toEqual(["12:19: max: required (a number) (policy 'autoscaler')"]);
    expect(await problemsOf('name: t\napplication:\n  id: app\n  sensors: [{ type: number }]\n')).toEqual(['4:13: name: required (a string)']);
  });

  it("a value of the wrong type names its key and says what it is in YAML's words, not 'Invalid input: expected string, received number'", async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  children:
    - id: web
      type: cluster
      memberSpec: { type: 5 }
    - id: db
      type: { a: 1 }
    - id: 7
      type: entity
      shard: null
`);
    expect(found).toEqual([
      '7:27: type: expected a string, got a number',
      '9:13: type: expected a string, got a mapping',
      '10:11: id: expected a string, got a number',
      '12:14: shard: expected true or false, got nothing (null)',
    ]);
  });

  it("a policy config's value of the wrong type is said in the same words, with the policy named after them", async () => {
    expect(await problemsOf(clusterBlueprint('- use: autoscaler\n  config: { metric: cpu, target: high, max: 4, min: [1] }'))).toEqual([
      "12:42: target: expected a number, got a string (policy 'autoscaler')",
      "12:61: min: expected a number, got a list (policy 'autoscaler')",
    ]);
  });
});
