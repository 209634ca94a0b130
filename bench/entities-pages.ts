// Reading a tree of 100,000 entities through the API while a loop decides beside it: the time of each answer,
// its bytes, and the longest stall of the service's event loop (perf_hooks monitorEventLoopDelay) and of the
// loop's decisions (a reading published every 5 ms, its decision's delay). The client runs in a worker thread,
// so its own parsing does not stall the service. `tsx bench/entities-pages.ts` (BENCH_MODE=whole reads the
// tree in one answer, `GET /entities?depth=100&limit=...`, as clients did before paging).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { asyncScheduler, map } from 'rxjs';
import { z } from 'zod';
import { Deployment, definePolicy, numberSensor, type Blueprint, type ResolvedEntity } from '../src/index.js';
import { serve } from '../src/server/serve.js';
import { builtinTypes } from '../src/drivers/builtin-types.js';
import { emit, quantile } from './stats.js';

const types = builtinTypes();
const plain = types.get('entity');
const group = types.get('group');
if (!plain || !group) throw new Error('built-in types missing');
const node = (id: string, children: ResolvedEntity[] = [], isGroup = false): ResolvedEntity => ({
  id, type: isGroup ? group : plain, config: {}, rawConfig: {}, sensors: [numberSensor('load')], enrichers: [], feeds: [], policies: [], members: [], children, path: [],
});
const root = node('app', Array.from({ length: 100 }, (_, g) => node(`g${g}`, Array.from({ length: 1000 }, (_, i) => node(`e${g}-${i}`)), true)));
const deployment = await Deployment.create({ name: 'bench', file: 'bench.yaml', dryRun: true, root } as Blueprint, { scheduler: asyncScheduler });
const decidedAt: number[] = [];
const delays: number[] = [];
const decider = definePolicy({
  name: 'decider', config: z.object({}),
  monitor: ({ entity }) => entity.sensor<number>('load').readings$,
  analyze: (source) => source.pipe(map((o) => ({ kind: 'tick', inputs: [o] }))),
  plan: (symptom) => {
    delays.push(performance.now() - (symptom.inputs[0]?.value as number));
    decidedAt.push(performance.now());
    return { actions: [], reason: 'bench' };
  },
});
deployment.start();
deployment.engine.attach(deployment.tree.get('app'), decider, {});
const { app, url } = await serve(deployment, { port: 0 });

const mode = process.env['BENCH_MODE'] ?? 'pages';
// the client: reads the whole tree (one answer, or page by page following Link rel=next) and reports each answer
const client = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const answers = [];
  let next = workerData.first;
  let entities = 0;
  while (next) {
    const start = performance.now();
    const response = await fetch(next);
    const text = await response.text();
    const ms = performance.now() - start;
    const body = JSON.parse(text);
    const count = (e) => 1 + (e.children ?? []).reduce((n, c) => n + count(c), 0);
    entities += Array.isArray(body) ? body.length : count(body);
    answers.push({ ms, bytes: text.length, status: response.status });
    const link = response.headers.get('link') ?? '';
    const found = /<([^>]+)>;\\s*rel="next"/.exec(link);
    next = found ? new URL(found[1], workerData.first).href : undefined;
  }
  parentPort.postMessage({ answers, entities });
})();
`;
const first = mode === 'whole' ? `${url}/entities?depth=100&limit=${process.env['BENCH_LIMIT'] ?? 10000}` : `${url}/entities?format=list&limit=${process.env['BENCH_LIMIT'] ?? 1000}`;
const publisher = setInterval(() => deployment.tree.get('app').sensor('load').publish(performance.now()), 5);
await new Promise((r) => setTimeout(r, 500));
const histogram = monitorEventLoopDelay({ resolution: 1 });
delays.length = 0;
decidedAt.length = 0;
histogram.enable();
const started = performance.now();
const result = await new Promise<{ answers: { ms: number; bytes: number; status: number }[]; entities: number }>((resolve, reject) => {
  const worker = new Worker(client, { eval: true, workerData: { first } });
  worker.once('message', resolve);
  worker.once('error', reject);
});
const totalMs = performance.now() - started;
histogram.disable();
clearInterval(publisher);
const gaps = decidedAt.slice(1).map((t, i) => t - (decidedAt[i] as number));
const ms = result.answers.map((a) => a.ms);
emit({
  name: 'entities-pages',
  mode,
  entities: deployment.tree.size,
  entitiesRead: result.entities,
  answers: result.answers.length,
  statuses: [...new Set(result.answers.map((a) => a.status))],
  totalMs: Math.round(totalMs),
  answerMsMedian: +quantile(ms, 0.5).toFixed(1),
  answerMsMax: +Math.max(...ms).toFixed(1),
  bytesPerAnswerMax: Math.max(...result.answers.map((a) => a.bytes)),
  eventLoopDelayMaxMs: +(histogram.max / 1e6).toFixed(1),
  eventLoopDelayP99Ms: +(histogram.percentile(99) / 1e6).toFixed(1),
  decisions: decidedAt.length,
  decisionDelayMaxMs: +Math.max(...delays).toFixed(1),
  decisionGapMaxMs: +Math.max(...gaps).toFixed(1),
});
await app.close();
await deployment.stop();
process.exit(0);
