/**
 * The files `homeostat init` writes: a blueprint, a policy module, its virtual-time test and a package.json.
 * They are plain text here and are checked for real by test/package/init.test.ts, which runs `init`, validates
 * the blueprint with the CLI and runs the generated test against the packed library.
 */

/** Versions the starter's package.json pins: the library's own, so that types and zod schemas line up. */
export interface StarterVersions {
  readonly homeostat: string;
  readonly zod: string;
  readonly vitest: string;
  readonly tsx: string;
}

/** The starter's package.json. */
export function starterPackageJson(name: string, versions: StarterVersions): string {
  const json = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20' },
    scripts: {
      validate: 'homeostat validate blueprint.yaml',
      start: 'homeostat run blueprint.yaml',
      'dry-run': 'homeostat run blueprint.yaml --dry-run',
      test: 'vitest run',
    },
    dependencies: { homeostat: `^${versions.homeostat}`, zod: versions.zod },
    // tsx lets the homeostat command load the .ts policy module; vitest runs its test in virtual time
    devDependencies: { tsx: versions.tsx, vitest: versions.vitest },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** The starter blueprint: a simulated web cluster under load, scaled by the starter policy. */
export function starterBlueprint(name: string): string {
  return `# A starter blueprint: a simulated web cluster under a load wave. Replace the sim.* types with what you
# run (see "Entity types" in homeostat's README), keep the policy, and tune its config.
#   npm run validate    checks this file (every problem with its line and column)
#   npm start           runs the loops, one line per decision (Ctrl-C stops)
name: ${name}
description: a simulated web cluster, scaled by the busy-guard policy in policies/
engine: { seed: 1 }
application:
  id: app
  type: application
  children:
    - id: web
      type: sim.web-cluster
      config:
        initialSize: 2
        load: { base: 60, amplitude: 40, period: 4m }
      memberSpec:
        type: sim.server
        config: { bootTime: 10s, capacity: 25 }
        policies:
          - use: restarter
            config: { failureDelay: 5s, maxRestarts: 3, window: 5m }
      enrichers:
        - { kind: aggregate, from: members, sensor: cpu, op: mean, publish: cpu.mean }
      policies:
        - module: ./policies/busy-guard.ts
          cooldown: 30s
          config: { sensor: cpu.mean, above: 0.8, window: 1m, for: 20s, max: 8 }
`;
}

/** The starter policy module: its default export is `definePolicy(...)`. */
export const STARTER_POLICY = `import { z } from 'zod';
import { definePolicy, durationSchema, intervalSchema, rollingMean, stabilized, threshold } from 'homeostat';

/**
 * Adds one member to a cluster when the mean of a sensor (cpu.mean by default) over \`window\` stays above
 * \`above\` for \`for\`, up to \`max\` members. A starting point: change the analysis or the plan, and keep
 * the test in step.
 */
export default definePolicy({
  name: 'busy-guard',
  // strict: a misspelled key in the blueprint is an error from \`homeostat validate\`, not a silent default
  config: z.strictObject({
    sensor: z.string().default('cpu.mean'),
    above: z.number().positive().default(0.8),
    window: intervalSchema.default(60_000), // in the blueprint: seconds or '1m' (not 0); here milliseconds
    for: durationSchema.default(30_000),
    max: z.number().int().min(1).default(10),
  }),
  // \`homeostat validate\` checks that the entity has this sensor
  requires: (config) => [{ on: 'self', sensor: config.sensor, configPath: ['sensor'] }],
  monitor: ({ entity, config }) => entity.sensor<number>(config.sensor).observations$,
  analyze: (source, { config, scheduler }) =>
    source.pipe(
      rollingMean({ windowMs: config.window }, scheduler), // time-weighted, once the window is covered
      threshold({ above: config.above, emit: 'every' }),
      stabilized({ forMs: config.for }, scheduler), // must hold for \`for\` before it counts
    ),
  plan: (symptom, { entity, config }) => {
    const size = entity.sensor<number>('group.size').value;
    if (symptom.kind !== 'above' || size === undefined || size >= config.max) return undefined;
    return {
      actions: [{ entity: entity.id, effector: 'resize', params: { size: size + 1 } }],
      reason: \`mean \${config.sensor} over \${config.window / 1000} s is \${symptom.detail.value.toFixed(2)}, above \${config.above} for \${config.for / 1000} s: resize \${size} -> \${size + 1}\`,
    };
  },
});
`;

/** The starter policy's test: the real engine and blueprint, in virtual time (minutes run in milliseconds). */
export const STARTER_TEST = `import { describe, expect, it } from 'vitest';
import { Deployment, VirtualClock, parseBlueprint } from 'homeostat';
import busyGuard from './busy-guard.js';

// A cluster whose cpu.mean the test publishes itself; members are plain entities.
const blueprint = \`
name: busy-guard-test
application:
  id: web
  type: cluster
  config: { initialSize: 2 }
  sensors: [{ name: cpu.mean, unit: ratio }]
  memberSpec: { type: entity }
  policies:
    - use: busy-guard
      cooldown: 2m
      config: { sensor: cpu.mean, above: 0.8, window: 20s, for: 30s, max: 4 }
\`;

async function start() {
  const clock = new VirtualClock();
  const parsed = await parseBlueprint(blueprint, 'busy-guard-test.yaml', { policies: new Map([[busyGuard.name, busyGuard]]) });
  const deployment = await Deployment.create(parsed, { scheduler: clock });
  deployment.start();
  const web = deployment.tree.find('web');
  if (!web) throw new Error('no entity web');
  // publishes cpu every 5 s for this many seconds of virtual time
  const feed = async (cpu: number, seconds: number) => {
    for (let t = 0; t < seconds; t += 5) {
      web.sensor('cpu.mean').publish(cpu);
      await clock.advanceBy(5_000);
    }
  };
  const size = () => web.sensor<number>('group.size').value;
  return { deployment, feed, size };
}

describe('busy-guard', () => {
  it('adds a member once the mean has stayed above the bound for the hold time', async () => {
    const { deployment, feed, size } = await start();
    await feed(0.3, 30); // calm: covers the 20 s window
    await feed(1, 30); // the 20 s mean passes 0.8 about 15 s in, and must then hold 30 s
    expect(size()).toBe(2);
    await feed(1, 30);
    expect(size()).toBe(3);
    await feed(1, 60); // the 2 min cooldown holds the next step back
    expect(size()).toBe(3);
    const [decision] = await deployment.knowledge.queryDecisions({ outcome: 'applied' });
    expect(decision?.reason).toMatch(/^mean cpu\\.mean over 20 s is (0|1)\\.\\d+, above 0\\.8 for 30 s: resize 2 -> 3$/);
    await deployment.stop();
  });

  it('ignores a spike shorter than the hold time', async () => {
    const { deployment, feed, size } = await start();
    await feed(0.3, 30);
    await feed(1, 10);
    await feed(0.2, 120);
    expect(size()).toBe(2);
    await deployment.stop();
  });

  it('never grows past max', async () => {
    const { deployment, feed, size } = await start();
    await feed(1, 1800);
    expect(size()).toBe(4);
    await deployment.stop();
  });
});
`;

/** A tsconfig for editors and \`tsc --noEmit\`: strict, Node ESM. */
export const STARTER_TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true },
    include: ['policies'],
  },
  null,
  2,
)}\n`;
