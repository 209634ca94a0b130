// process-group resize 1 -> 20: real worker processes, until every one serves (answers on its port) and
// until homeostat sees every one up (its health check).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deployment } from '../src/blueprint/deployment.js';
import { parseBlueprint } from '../src/blueprint/load.js';
import type { Entity } from '../src/core/entity.js';
import { emit, median } from './stats.js';

const SIZE = 20;
const RUNS = 3;
const worker = path.resolve(import.meta.dirname, '../../examples/local-workers/worker.mjs');
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hs-bench-'));
const blueprint = await parseBlueprint(
  `name: resize\napplication:\n  id: app\n  children:\n    - id: workers\n      type: process-group\n      config: { initialSize: 1 }\n      memberSpec:\n        type: process\n        config:\n          command: ${JSON.stringify(process.execPath)}\n          args: [${JSON.stringify(worker)}]\n          health: { http: "http://127.0.0.1:{{port}}/healthz", every: 100ms }\n          stopGrace: 5s\n`,
  path.join(stateDir, 'resize.yaml'),
);
const deployment = await Deployment.create(blueprint, { stateDir });
deployment.start();
const group = deployment.tree.get('workers');
const up = (m: Entity): boolean => m.sensor<boolean>('service.up').value === true;
/** Whether the group has `n` members, all up (a function: the member list changes under us). */
const allUp = (n: number): boolean => group.members.length === n && group.members.every(up);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function serves(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function resize(size: number): Promise<void> {
  await deployment.engine.invoker.invoke(group, 'resize', { size }, { caller: { kind: 'person', name: 'bench' } });
}

const serving: number[] = [];
const seenUp: number[] = [];
for (let run = 0; run < RUNS; run++) {
  while (!allUp(1)) await sleep(20);
  await sleep(500);
  const t0 = performance.now();
  await resize(SIZE);
  const answered = new Set<string>();
  let allUpAt: number | undefined;
  while (answered.size < SIZE) {
    if (allUpAt === undefined && allUp(SIZE)) allUpAt = performance.now();
    await Promise.all(group.members.filter((m) => !answered.has(m.id)).map(async (m) => {
      const port = m.sensor<number>('process.port').value;
      if (port !== undefined && (await serves(port))) answered.add(m.id);
    }));
    await sleep(10);
  }
  serving.push(performance.now() - t0);
  while (!allUp(SIZE)) await sleep(10);
  seenUp.push((allUpAt ?? performance.now()) - t0);
  await resize(1);
}
await deployment.stop();
rmSync(stateDir, { recursive: true, force: true });
emit({ size: SIZE, runs: RUNS, allServingMs: median(serving), allUpMs: median(seenUp), allServingRunsMs: serving.map(Math.round) });
process.exit(0);
