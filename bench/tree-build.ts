// Building a tree of entities with 3 sensors and 2 policies each, policies started: time, resident memory,
// and where the memory goes (heap after the entities, after attaching the policies, after starting them).
// Runs in its own process so that the memory figure is this tree's alone. BENCH_TREE_ENTITIES sets the size
// (default 100,000; `npm run bench` also runs 1,000,000 as `tree-build-1m`).
import { asyncScheduler } from 'rxjs';
import { Engine, EntityTree, Knowledge, MemoryStore, numberSensor } from '../src/index.js';
import { emit } from './stats.js';
import { thresholdPolicy } from './threshold-policy.js';

const ENTITIES = Number(process.env['BENCH_TREE_ENTITIES'] ?? 100_000);

/** Heap in use after a full collection, in bytes. */
function heapAfterGc(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

const sensors = [numberSensor('cpu'), numberSensor('memory'), numberSensor('requests.rate')];
const heapBefore = heapAfterGc();
const rssBefore = process.memoryUsage().rss;
let paused = 0; // time spent measuring the heap between stages, not counted as start-up
const start = performance.now();
const tree = new EntityTree(asyncScheduler);
const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), asyncScheduler), scheduler: asyncScheduler });
const root = tree.add({ id: 'root', type: 'application' });
const groups = Array.from({ length: 100 }, (_, g) => tree.add({ id: `g${g}`, type: 'group' }, root));
const entities = [];
for (let i = 0; i < ENTITIES; i++) entities.push(tree.add({ id: `e${i}`, type: 'server', sensors }, groups[i % groups.length]));
let mark = performance.now();
const heapEntities = heapAfterGc();
paused += performance.now() - mark;
for (const [i, entity] of entities.entries()) {
  engine.attach(entity, thresholdPolicy, { sensor: 'cpu', above: 0.9 }, { id: `e${i}/cpu` });
  engine.attach(entity, thresholdPolicy, { sensor: 'memory', above: 0.95 }, { id: `e${i}/memory` });
}
entities.length = 0;
mark = performance.now();
const heapAttached = heapAfterGc();
paused += performance.now() - mark;
engine.start();
const seconds = (performance.now() - start - paused) / 1000;
const heapStarted = heapAfterGc();
const rss = process.memoryUsage().rss;
const perEntity = (bytes: number): number => Math.round(bytes / ENTITIES);
emit({
  name: 'tree-build',
  entities: tree.size,
  policies: engine.policies().length,
  seconds,
  rssMiB: rss / 2 ** 20,
  rssGrowthMiB: (rss - rssBefore) / 2 ** 20,
  rssBytesPerEntity: perEntity(rss - rssBefore),
  heapBytesPerEntity: perEntity(heapStarted - heapBefore),
  // where an entity's heap goes: the entity with its sensors declared (each Sensor object is made on first
  // use), its two policies attached, their loops running (with the two sensors they watch)
  entityBytes: perEntity(heapEntities - heapBefore),
  attachBytes: perEntity(heapAttached - heapEntities),
  startBytes: perEntity(heapStarted - heapAttached),
});
await engine.stop();
