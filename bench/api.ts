// API throughput: requests per second reading the whole tree of 10,000 entities, against a plain fastify
// route that returns the same JSON (the baseline); and decisions served per second over SSE.
import Fastify from 'fastify';
import { asyncScheduler, map } from 'rxjs';
import { z } from 'zod';
import { Deployment, definePolicy, numberSensor, type Blueprint, type ResolvedEntity } from '../src/index.js';
import { serve } from '../src/server/serve.js';
import { builtinTypes } from '../src/drivers/builtin-types.js';
import { emit, median } from './stats.js';

const types = builtinTypes();
const plain = types.get('entity');
const group = types.get('group');
if (!plain || !group) throw new Error('built-in types missing');
const node = (id: string, children: ResolvedEntity[] = [], isGroup = false): ResolvedEntity => ({
  id, type: isGroup ? group : plain, config: {}, rawConfig: {}, sensors: [numberSensor('load')], enrichers: [], feeds: [], policies: [], members: [], children, path: [],
});
const root = node('app', Array.from({ length: 100 }, (_, g) => node(`g${g}`, Array.from({ length: 100 }, (_, i) => node(`e${g}-${i}`)), true)));
const blueprint: Blueprint = { name: 'bench', file: 'bench.yaml', dryRun: true, root };
const deployment = await Deployment.create(blueprint, { scheduler: asyncScheduler });
deployment.start();

// a policy that decides on every reading of app.load (dry run): a stream of decisions for SSE
const chatty = definePolicy({
  name: 'chatty', config: z.object({}),
  monitor: ({ entity }) => entity.sensor<number>('load').readings$,
  analyze: (source) => source.pipe(map((o) => ({ kind: 'tick', inputs: [o] }))),
  plan: () => ({ actions: [{ entity: 'app', effector: 'escalate', params: { reason: 'bench', by: 'bench' } }], reason: 'bench' }),
});
deployment.engine.attach(deployment.tree.get('app'), chatty, {});

const { app, url } = await serve(deployment, { port: 0 });

/** An entity of the nested tree answer, with the children it holds. */
interface Counted {
  readonly children?: readonly Counted[];
}

/** How many entities a tree answer holds (those not expanded are counted, not their children). */
function countEntities(node: Counted): number {
  return 1 + (node.children ?? []).reduce((n, c) => n + countEntities(c), 0);
}
// the largest tree answer there is (limit=10000): GET /entities holds at most 1,000 entities by default
const TREE = '/entities?limit=10000';
const tree = (await (await fetch(`${url}${TREE}`)).json()) as Counted;
const treeJson = JSON.stringify(tree);
const baseline = Fastify();
baseline.get('/entities', async (_req, reply) => reply.header('content-type', 'application/json').send(treeJson)); // the same bytes, ready-made
const baseUrl = await baseline.listen({ port: 0, host: '127.0.0.1' });

async function rps(target: string, requests: number, concurrency: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < requests) await (await fetch(target)).arrayBuffer();
  }));
  return requests / ((performance.now() - start) / 1000);
}

await rps(`${url}${TREE}`, 20, 4); // warm up
await rps(`${baseUrl}/entities`, 20, 4);
const ours: number[] = [];
const theirs: number[] = [];
for (let round = 0; round < 3; round++) {
  ours.push(await rps(`${url}${TREE}`, 60, 4));
  theirs.push(await rps(`${baseUrl}/entities`, 60, 4));
}

// SSE: decisions delivered per second to a connected client
const DECISIONS = 5_000;
const controller = new AbortController();
const response = await fetch(`${url}/stream?types=decision`, { signal: controller.signal });
const reader = (response.body as ReadableStream<Uint8Array>).getReader();
let received = 0;
const reading = (async () => {
  const decoder = new TextDecoder();
  while (received < DECISIONS) {
    const { value, done } = await reader.read();
    if (done) break;
    received += (decoder.decode(value).match(/^event: decision$/gm) ?? []).length;
  }
})();
await new Promise((r) => setTimeout(r, 100));
const start = performance.now();
const load = deployment.tree.get('app').sensor('load');
for (let i = 0; i < DECISIONS; i++) {
  load.publish(i);
  if (i % 100 === 0) await new Promise((r) => setImmediate(r));
}
await reading;
const sseSeconds = (performance.now() - start) / 1000;
controller.abort();

emit({
  name: 'api',
  entities: deployment.tree.size,
  treeEntities: countEntities(tree),
  treeBytes: treeJson.length,
  treeRequestsPerSecond: median(ours),
  baselineRequestsPerSecond: median(theirs),
  treeOverheadRatio: median(theirs) / median(ours),
  sseDecisionsPerSecond: received / sseSeconds,
});
await app.close();
await baseline.close();
await deployment.stop();
process.exit(0);
