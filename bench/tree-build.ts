// Building a tree of 100,000 entities with 3 sensors and 2 policies each, policies started: time and
// resident memory. Runs in its own process so that the memory figure is this tree's alone.
import { asyncScheduler } from 'rxjs';
import { Engine, EntityTree, Knowledge, MemoryStore, numberSensor } from '../src/index.js';
import { emit } from './stats.js';
import { thresholdPolicy } from './threshold-policy.js';

const ENTITIES = 100_000;
const sensors = [numberSensor('cpu'), numberSensor('memory'), numberSensor('requests.rate')];
const rssBefore = process.memoryUsage().rss;
const start = performance.now();
const tree = new EntityTree(asyncScheduler);
const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), asyncScheduler), scheduler: asyncScheduler });
const root = tree.add({ id: 'root', type: 'application' });
const groups = Array.from({ length: 100 }, (_, g) => tree.add({ id: `g${g}`, type: 'group' }, root));
for (let i = 0; i < ENTITIES; i++) {
  const entity = tree.add({ id: `e${i}`, type: 'server', sensors }, groups[i % groups.length]);
  engine.attach(entity, thresholdPolicy, { sensor: 'cpu', above: 0.9 }, { id: `e${i}/cpu` });
  engine.attach(entity, thresholdPolicy, { sensor: 'memory', above: 0.95 }, { id: `e${i}/memory` });
}
engine.start();
const seconds = (performance.now() - start) / 1000;
globalThis.gc?.();
const rss = process.memoryUsage().rss;
emit({ name: 'tree-build', entities: tree.size, policies: engine.policies().length, seconds, rssMiB: rss / 2 ** 20, rssGrowthMiB: (rss - rssBefore) / 2 ** 20 });
await engine.stop();
