import { describe, expect, it } from 'vitest';
import { closestKey, knownKeysAt } from '../../src/blueprint/key-suggestions.js';
import { builtinTypes } from '../../src/drivers/builtin-types.js';
import { autoscalerConfig } from '../../src/policies/autoscaler.js';
import { BUILTIN_POLICIES } from '../../src/policies/builtins.js';
import { clusterBlueprint, problemsOf } from './problems-of.js';

/** A minimal valid config of each built-in policy. */
const MINIMAL: Readonly<Record<string, Record<string, unknown>>> = {
  autoscaler: { metric: 'cpu', target: 0.5, max: 4 },
  restarter: {},
  brownout: { maxSize: 4, high: { responseTime: 1 }, low: { responseTime: 0.5 } },
  'step-scaler': { metric: 'cpu', threshold: 0.5, steps: [{ adjustment: 'change', value: 1 }], max: 4 },
  'scheduled-scaler': { windows: [{ cron: '0 8 * * *', duration: '1h', size: 2 }] },
  replacer: {},
  failover: {},
  'escalation-pager': { notify: { entity: 'pager' } },
  'alert-pager': { notify: { entity: 'pager' } },
  'disaster-recovery': { site: 'a', runbook: [{ id: 'go', entity: 'b', effector: 'route' }] },
  release: { version: '2', targets: [{ entity: 'web' }] },
  remediation: {},
};

describe('strict configs', () => {
  it('every built-in policy schema refuses an unknown key', () => {
    for (const [name, definition] of BUILTIN_POLICIES) {
      const minimal = MINIMAL[name];
      expect(minimal, `a minimal config for '${name}'`).toBeDefined();
      expect(definition.config.safeParse(minimal).success, name).toBe(true);
      const issues = definition.config.safeParse({ ...minimal, bogusKey: 1 }).error?.issues ?? [];
      expect(issues.map((i) => i.code), name).toContain('unrecognized_keys');
    }
  });

  it('every built-in entity type with a typed config refuses an unknown config key', () => {
    const types = builtinTypes();
    // the driverless types take free-form config: operator data that effector and feed templates read
    const freeForm = new Set(['entity', 'application', 'group']);
    for (const name of types.names().filter((n) => !freeForm.has(n))) {
      const issues = types.get(name)?.config.safeParse({ site: 'x', bogusKey: 1 }).error?.issues ?? [];
      expect(issues.map((i) => i.code), name).toContain('unrecognized_keys');
    }
  });
});

describe('did you mean', () => {
  it('suggests the known key closest to a misspelling, and nothing when none is close', () => {
    expect(closestKey('maxRestart', ['maxRestarts', 'window'])).toBe('maxRestarts');
    expect(closestKey('failureDeley', ['failureDelay', 'recheckInterval'])).toBe('failureDelay');
    expect(closestKey('colour', ['maxRestarts', 'window'])).toBeUndefined();
  });

  it('finds the keys a schema knows below defaults, transforms and arrays', () => {
    expect(knownKeysAt(autoscalerConfig, ['scaleUp'])).toEqual(expect.arrayContaining(['stabilization', 'cooldown', 'policies', 'select']));
    expect(knownKeysAt(autoscalerConfig, ['metrics', 0])).toEqual(expect.arrayContaining(['sensor', 'target', 'basis', 'activation']));
  });

  it('reports misspelled policy keys at the key, with a suggestion', async () => {
    const found = await problemsOf(clusterBlueprint('- use: restarter\n  config: { maxRestart: 2, failureDeley: 5s, restartEffector: rollingRestart }'));
    expect(found).toEqual([
      "12:21: unknown key 'maxRestart' (did you mean 'maxRestarts'?)",
      "12:36: unknown key 'failureDeley' (did you mean 'failureDelay'?)",
    ]);
  });

  it('suggests at every level: entity keys, entity config, nested policy config, quorum', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - id: web
      type: cluster
      config: { initalSize: 2 }
      memberSpec: { type: sim.server, config: { bootTme: 1s } }
      quorum: { from: members, rule: all, n: 2 }
      polices: []
      policies:
        - use: autoscaler
          config: { metric: cpu, target: 0.5, max: 4, scaleUp: { stabilisation: 10s } }
`);
    expect(found).toEqual([
      "8:17: unknown key 'initalSize' (did you mean 'initialSize'?)",
      "9:49: unknown key 'bootTme' (did you mean 'bootTime'?)",
      "10:43: unknown key 'n' (known: from, rule, value)",
      "11:7: unknown key 'polices' (did you mean 'policies'?)",
      "14:66: unknown key 'stabilisation' (did you mean 'stabilization'?)",
    ]);
  });

  it('lists the known keys when nothing is close', async () => {
    const found = await problemsOf(clusterBlueprint('- use: replacer\n  config: { colour: red }'));
    expect(found).toEqual([expect.stringMatching(/^12:21: unknown key 'colour' \(known: maxFailures, notify, recheckInterval, replaceEffector, startTimeout, window\)/)]);
  });
});
