// Building a tree of entities with 3 sensors and 2 policies each, policies started: time, resident memory,
// and where the memory goes (heap after the entities, after attaching the policies, after starting them).
// Then every policy acts once (each entity's two sensors cross their thresholds and come back): what a fleet
// holds once its policies have all planned and executed, which is what a long-running service carries
// (the store's records are bounded and counted apart).
// Runs in its own process so that the memory figure is this tree's alone. BENCH_TREE_ENTITIES sets the size
// (default 100,000; `npm run bench` also runs 1,000,000 as `tree-build-1m`).
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { asyncScheduler } from 'rxjs';
import { z } from 'zod';
import { Engine, EntityTree, Knowledge, MemoryStore, defineEffector, numberSensor, type Sensor } from '../src/index.js';
import { cpuMsSince, emit } from './stats.js';
import { thresholdPolicy } from './threshold-policy.js';

const ENTITIES = Number(process.env['BENCH_TREE_ENTITIES'] ?? 100_000);

/** Heap in use after a full collection, in bytes. */
function heapAfterGc(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

/** Collections and their pause time (ms), minor (scavenges) and major (mark-compact), while the tree is built. */
const gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      gc.minor += 1;
      gc.minorMs += entry.duration;
    } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      gc.major += 1;
      gc.majorMs += entry.duration;
    }
  }
});
gcObserver.observe({ entryTypes: ['gc'] });

const sensors = [numberSensor('cpu'), numberSensor('memory'), numberSensor('requests.rate')];
let restarts = 0;
const effectors = [defineEffector({ name: 'restart', params: z.object({}), run: () => void (restarts += 1) })];
const heapBefore = heapAfterGc();
const rssBefore = process.memoryUsage().rss;
let paused = 0; // time spent measuring the heap between stages, not counted as start-up
const start = performance.now();
const cpuStart = process.cpuUsage();
/** Wall-clock and CPU seconds of each stage (entities, attach, start), without the heap measurements between them. */
const stages: Record<string, { seconds: number; cpuSeconds: number }> = {};
let stageWall = start;
let stageCpu = process.cpuUsage();
const endStage = (name: string): void => {
  stages[name] = { seconds: (performance.now() - stageWall) / 1000, cpuSeconds: cpuMsSince(stageCpu) / 1000 };
};
const nextStage = (): void => {
  stageWall = performance.now();
  stageCpu = process.cpuUsage();
};
const tree = new EntityTree(asyncScheduler);
// the store's default bounds, as `homeostat run` keeps them
const knowledge = new Knowledge(new MemoryStore(), asyncScheduler);
const engine = new Engine({ tree, knowledge, scheduler: asyncScheduler });
const root = tree.add({ id: 'root', type: 'application' });
const groups = Array.from({ length: 100 }, (_, g) => tree.add({ id: `g${g}`, type: 'group' }, root));
const entities = [];
for (let i = 0; i < ENTITIES; i++) entities.push(tree.add({ id: `e${i}`, type: 'server', sensors, effectors }, groups[i % groups.length]));
endStage('entities');
let mark = performance.now();
let cpuMark = process.cpuUsage();
const heapEntities = heapAfterGc();
paused += performance.now() - mark;
let cpuPaused = cpuMsSince(cpuMark);
nextStage();
for (const [i, entity] of entities.entries()) {
  engine.attach(entity, thresholdPolicy, { sensor: 'cpu', above: 0.9 }, { id: `e${i}/cpu` });
  engine.attach(entity, thresholdPolicy, { sensor: 'memory', above: 0.95 }, { id: `e${i}/memory` });
}
entities.length = 0;
endStage('attach');
mark = performance.now();
cpuMark = process.cpuUsage();
const heapAttached = heapAfterGc();
paused += performance.now() - mark;
cpuPaused += cpuMsSince(cpuMark);
nextStage();
engine.start();
endStage('start');
const seconds = (performance.now() - start - paused) / 1000;
const cpuSeconds = (cpuMsSince(cpuStart) - cpuPaused) / 1000;
// the observer hears of collections after the synchronous work; the forced ones between stages count as 2 major
await new Promise((resolve) => setTimeout(resolve, 100));
const gcCounted = { ...gc };
gcObserver.disconnect();
const heapStarted = heapAfterGc();
const rss = process.memoryUsage().rss;
const perEntity = (bytes: number): number => Math.round(bytes / ENTITIES);

/**
 * Every policy acts once: each watched sensor reads above its bound (a decision, a restart), then normal again,
 * 10,000 sensors at a time with a turn of the event loop between (the executions and the writes run there).
 * The cpu policies act first, then the memory ones: an entity's two policies acting at once would find each
 * other holding the entity, and one would be preempted.
 */
async function everyPolicyActs(): Promise<{ seconds: number; decisions: number }> {
  let decisions = 0;
  const counting = engine.decisions$.subscribe(() => void (decisions += 1));
  const started = performance.now();
  for (const value of [0.99, 0.5]) {
    // the cpu sensors, then the memory ones: a chunk never holds both sensors of one entity
    for (const [from, to] of [[0, ENTITIES], [ENTITIES, watched.length]] as const) {
      for (let i = from; i < to; i += 10_000) {
        for (const sensor of watched.slice(i, Math.min(i + 10_000, to))) sensor.publish(value);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  await knowledge.flush();
  counting.unsubscribe();
  return { seconds: (performance.now() - started) / 1000, decisions };
}
// the sensors the policies watch, gathered now (the policies made them at the start): counted in no stage
const watched: Array<Sensor<number>> = [];
for (const name of ['cpu', 'memory']) for (const group of groups) for (const entity of group.children) watched.push(entity.sensor<number>(name));
const acted = await everyPolicyActs();
if (acted.decisions !== watched.length || restarts !== watched.length) throw new Error(`every policy was to act once: ${acted.decisions} decisions and ${restarts} restarts for ${watched.length} policies`);
watched.length = 0;
const heapActed = heapAfterGc();
const rssActed = process.memoryUsage().rss;
const builtEntities = tree.size;
const policies = engine.policies().length;
// tearing down, as a scale-in and a redeploy do: one group of members leaves (their policies are detached),
// then the whole tree (removing a subtree was quadratic in its size until the children left from the end and
// the engine found a removed entity's policies through an index)
const teardownStart = performance.now();
tree.remove('g0');
const groupRemovedMs = performance.now() - teardownStart;
const policiesAfterGroup = engine.policies().length;
const rootStart = performance.now();
tree.remove(root);
const treeRemovedSeconds = (performance.now() - rootStart) / 1000;
const teardown = { groupEntities: ENTITIES / groups.length, groupRemovedMs, policiesDetachedWithGroup: policies - policiesAfterGroup, treeRemovedSeconds, entitiesLeft: tree.size, policiesLeft: engine.policies().length };
emit({
  name: 'tree-build',
  entities: builtEntities,
  policies,
  seconds,
  cpuSeconds,
  stages,
  gc: gcCounted,
  rssMiB: rss / 2 ** 20,
  rssGrowthMiB: (rss - rssBefore) / 2 ** 20,
  rssBytesPerEntity: perEntity(rss - rssBefore),
  heapBytesPerEntity: perEntity(heapStarted - heapBefore),
  // where an entity's heap goes: the entity with its sensors declared (each Sensor object is made on first
  // use), its two policies attached, their loops running (with the two sensors they watch)
  entityBytes: perEntity(heapEntities - heapBefore),
  attachBytes: perEntity(heapAttached - heapEntities),
  startBytes: perEntity(heapStarted - heapAttached),
  // every policy acted once: the heap it added per policy (the store's bounded records included), RSS after
  acted: { seconds: acted.seconds, decisions: acted.decisions, heapBytesPerPolicy: Math.round((heapActed - heapStarted) / acted.decisions), rssMiB: rssActed / 2 ** 20 },
  teardown,
});
await engine.stop();
