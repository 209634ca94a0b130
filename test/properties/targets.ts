import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import type { Blueprint } from '../../src/blueprint/resolved.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** What a schedule may act on in a blueprint. */
export interface Profile {
  /** Entities a fault may take down (servers, databases, clusters, sites). */
  readonly failable: readonly string[];
  /** Sites: subtrees that can be lost and come back as a whole. */
  readonly sites: readonly string[];
  /** Databases whose replication lag can change. */
  readonly replicas: readonly string[];
  /** Databases whose fence can fail. */
  readonly fenceable: readonly string[];
  /** Databases that can be cut off from homeostat while they keep taking their clients' writes. */
  readonly partitionable: readonly string[];
  /** Clusters a person may roll or resize. */
  readonly clusters: readonly string[];
  /** Primary-replica groups a person may switch over, with their databases. */
  readonly dbGroups: ReadonlyArray<{ readonly id: string; readonly dbs: readonly string[] }>;
}

/** A blueprint to run schedules against: its file (for the printed command line), text and profile. */
export interface Target {
  readonly name: string;
  /** Path relative to the repository root, as the printed command line names it. */
  readonly file: string;
  readonly text: string;
  readonly durationSeconds: number;
  readonly profile: Profile;
}

/** Reads a blueprint's profile from its tree once deployed: what exists to fail, lag, fence, roll. */
async function profileOf(blueprint: Blueprint): Promise<Profile> {
  const clock = new VirtualClock();
  const deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  await clock.settle();
  const all = [...deployment.tree.entities()].filter((e) => e.parent !== undefined && e.type !== 'sim.traffic');
  const profile: Profile = {
    failable: all.map((e) => e.id),
    sites: all.filter((e) => e.type === 'entity' && e.children.length > 0).map((e) => e.id),
    replicas: all.filter((e) => e.hasSensor('replication.lag')).map((e) => e.id),
    fenceable: all.filter((e) => e.hasEffector('fence')).map((e) => e.id),
    partitionable: all.filter((e) => e.hasSensor('role')).map((e) => e.id),
    clusters: all.filter((e) => e.hasEffector('rollingUpdate')).map((e) => e.id),
    dbGroups: all.filter((e) => e.hasEffector('switchover')).map((e) => ({ id: e.id, dbs: e.children.map((c) => c.id) })),
  };
  await deployment.stop();
  return profile;
}

const parsed = new Map<string, Promise<Blueprint>>();

/** Parses blueprint text once per process (a parsed blueprint is reused by every run). */
export function blueprintOf(target: Pick<Target, 'file' | 'text'>): Promise<Blueprint> {
  let found = parsed.get(target.text);
  if (!found) {
    if (parsed.size >= 256) parsed.clear(); // generated trees are many: keep memory flat over a long soak
    parsed.set(target.text, (found = parseBlueprint(target.text, path.resolve(ROOT, target.file))));
  }
  return found;
}

/** The example blueprints with something to keep safe (the SWIM ones only scale, and are left to their own tests). */
export async function exampleTargets(): Promise<Target[]> {
  const examples = [
    ['examples/database-failover.yaml', 400],
    ['examples/two-site-dr.yaml', 600],
    ['examples/web-cluster-ha.yaml', 600],
    ['examples/web-shop.yaml', 240],
  ] as const;
  return Promise.all(
    examples.map(async ([file, durationSeconds]) => {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      return { name: file, file, text, durationSeconds, profile: await profileOf(await blueprintOf({ file, text })) };
    }),
  );
}

/** Settings of a generated tree: sites, each with a web cluster and a primary-replica database group. */
export interface TreeShape {
  readonly sites: number;
  readonly members: number;
  readonly replicas: number;
  readonly bootTime: number;
  readonly recheck: number;
  readonly maxRestarts: number;
  readonly budget: boolean;
  readonly cooldown: number;
  /** The databases' write lease (s); 0 or absent for none. */
  readonly lease?: number;
  /** The failover's `fence` (default required); best-effort only with a lease (without one it is the operator's accepted risk). */
  readonly fence?: 'required' | 'best-effort';
  /** What a fence that cannot reach its database does (default timeout). */
  readonly fenceFailure?: 'error' | 'timeout';
}

/** Random tree shapes: one or two sites, small clusters, short boot times (runs stay cheap), leases or none. */
export const treeShapes: fc.Arbitrary<TreeShape> = fc.record({
  sites: fc.integer({ min: 1, max: 2 }),
  members: fc.integer({ min: 1, max: 3 }),
  replicas: fc.integer({ min: 1, max: 2 }),
  bootTime: fc.integer({ min: 3, max: 15 }),
  recheck: fc.integer({ min: 5, max: 15 }),
  maxRestarts: fc.integer({ min: 1, max: 3 }),
  budget: fc.boolean(),
  cooldown: fc.constantFrom(0, 10, 30),
  lease: fc.constantFrom(0, 0, 20, 40),
  fence: fc.constantFrom('required' as const, 'best-effort' as const),
  fenceFailure: fc.constantFrom('timeout' as const, 'error' as const),
}).map((shape) => (shape.lease === 0 ? { ...shape, fence: 'required' as const } : shape));

/** The blueprint of a generated tree, written to a temporary file so that a printed command line can run it. */
export function generatedTarget(shape: TreeShape): Target {
  const sites = Array.from({ length: shape.sites }, (_, i) => String.fromCharCode(97 + i));
  // restart window: longer than the backoff over maxRestarts restarts (30 s of slack), as the restarter requires
  let span = 0;
  for (let i = 0, d = shape.recheck; i < shape.maxRestarts; i++, d = Math.min(30, d * 2)) span += Math.min(30, d);
  const db = `${(shape.lease ?? 0) > 0 ? `, lease: ${shape.lease}s` : ''}${shape.fenceFailure === 'error' ? ', fencing: { failure: error }' : ''}`;
  const site = (s: string): string => `
    - id: site-${s}
      type: entity
      quorum: { from: children, rule: atLeastOne }
      children:
        - id: web-${s}
          type: cluster
          config: { initialSize: ${shape.members} }
${shape.budget ? '          budget: { actions: 6, window: 5m }\n' : ''}          memberSpec:
            type: sim.server
            config: { bootTime: ${shape.bootTime}s }
            policies:
              - use: restarter
                config: { failureDelay: 5s, recheckInterval: ${shape.recheck}s, maxBackoff: 30s, maxRestarts: ${shape.maxRestarts}, window: ${span + 30}s }
          policies:
            - use: replacer
${shape.cooldown > 0 ? `              cooldown: ${shape.cooldown}s\n` : ''}              config: { maxFailures: 3, window: 10m, startTimeout: ${shape.bootTime + 30}s, recheckInterval: 10s }
        - id: db-${s}
          type: sim.db-cluster
          children:
            - { id: db-${s}-1, type: sim.database, config: { role: primary, tick: 10s${db} } }
${Array.from({ length: shape.replicas }, (_, r) => `            - { id: db-${s}-${r + 2}, type: sim.database, config: { role: replica, lag: 1, tick: 10s${db} } }`).join('\n')}
          policies:
            - use: failover
              config: { failureDelay: 10s, maxLag: 5, recoveryBlock: 5m${shape.fence === 'best-effort' ? ', fence: best-effort' : ''} }`;
  const text = `name: generated\nengine: { seed: 1 }\napplication:\n  id: app\n  type: application\n  quorum: { from: children, rule: atLeastOne }\n  children:${sites.map(site).join('')}\n`;
  const file = path.join(tmpdir(), 'homeostat-properties', `tree-${createHash('sha1').update(text).digest('hex').slice(0, 12)}.yaml`);
  const ids = (s: string) => [`site-${s}`, `web-${s}`, ...Array.from({ length: shape.members }, (_, m) => `web-${s}-${m + 1}`), `db-${s}`, ...dbs(s)];
  const dbs = (s: string) => Array.from({ length: shape.replicas + 1 }, (_, r) => `db-${s}-${r + 1}`);
  return {
    name: `generated(${JSON.stringify(shape)})`,
    file,
    text,
    durationSeconds: 360,
    profile: {
      failable: sites.flatMap(ids),
      sites: sites.map((s) => `site-${s}`),
      replicas: sites.flatMap((s) => dbs(s).slice(1)),
      fenceable: sites.flatMap(dbs),
      partitionable: sites.flatMap(dbs),
      clusters: sites.map((s) => `web-${s}`),
      dbGroups: sites.map((s) => ({ id: `db-${s}`, dbs: dbs(s) })),
    },
  };
}

/** Writes a generated target's blueprint to its file (done only when a command line names it). */
export function writeTarget(target: Target): void {
  if (!target.name.startsWith('generated')) return;
  mkdirSync(path.dirname(target.file), { recursive: true });
  writeFileSync(target.file, target.text);
}
