// Reading -> an `http` effector's request arriving at a local server, through the whole loop (monitor,
// analyze, plan, engine, invoker, the http kind), against a plain script doing the same fetch.
import { createServer } from 'node:http';
import path from 'node:path';
import { map } from 'rxjs';
import { z } from 'zod';
import { Deployment } from '../src/blueprint/deployment.js';
import { parseBlueprint } from '../src/blueprint/load.js';
import { definePolicy } from '../src/policies/define-policy.js';
import { emit, quantile } from './stats.js';

const ROUNDS = 400;
const WARMUP = 50;

const forward = definePolicy({
  name: 'forward',
  config: z.object({}),
  monitor: ({ entity }) => entity.sensor<number>('load').observations$,
  analyze: (source) => source.pipe(map((o) => ({ kind: 'load', inputs: [o], detail: { value: o.value } }))),
  plan: (symptom, { entity }) => ({ actions: [{ entity: entity.id, effector: 'scale', params: { size: symptom.detail?.['value'] as number } }], reason: 'bench' }),
});

let arrived: (at: number) => void = () => undefined;
const server = createServer((req, res) => {
  const at = performance.now();
  req.resume();
  req.on('end', () => {
    arrived(at);
    res.writeHead(200).end('{}');
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
const next = (): Promise<number> => new Promise((resolve) => (arrived = resolve));

const blueprint = await parseBlueprint(
  `name: bench\napplication:\n  id: svc\n  sensors: [{ name: load }]\n  effectors:\n    - { name: scale, kind: http, url: "${url}/scale/{{id}}", body: { size: "{{params.size}}" }, params: { size: integer } }\n  policies:\n    - use: forward\n`,
  path.resolve('bench.yaml'),
  { policies: new Map([['forward', forward]]) },
);
const deployment = await Deployment.create(blueprint);
deployment.start();
const svc = deployment.tree.get('svc');
let decided: () => void = () => undefined;
deployment.engine.decisions$.subscribe(() => decided());

const loop: number[] = [];
for (let i = 0; i < ROUNDS + WARMUP; i++) {
  const arrival = next();
  const done = new Promise<void>((resolve) => (decided = resolve));
  const t0 = performance.now();
  svc.sensor('load').publish(i);
  const t1 = await arrival;
  await done;
  if (i >= WARMUP) loop.push(t1 - t0);
}
await deployment.stop();

const plain: number[] = [];
for (let i = 0; i < ROUNDS + WARMUP; i++) {
  const arrival = next();
  const t0 = performance.now();
  const response = fetch(`${url}/scale/svc`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `k-${i}` }, body: JSON.stringify({ size: i }) });
  const t1 = await arrival;
  await (await response).arrayBuffer();
  if (i >= WARMUP) plain.push(t1 - t0);
}
server.close();

emit({ rounds: ROUNDS, loopP50Ms: quantile(loop, 0.5), loopP99Ms: quantile(loop, 0.99), plainP50Ms: quantile(plain, 0.5), plainP99Ms: quantile(plain, 0.99) });
process.exit(0);
