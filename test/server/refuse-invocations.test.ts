// Served.refuseInvocations(): the first step of a host's stop. From then on a new effector invocation is
// refused at once (503 with Retry-After, nothing runs) while reads still work until the service closes, and
// /ready says the service is stopping so a balancer sends callers elsewhere.
import path from 'node:path';
import { expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { loadBlueprint } from '../../src/blueprint/load.js';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { serve } from '../../src/server/serve.js';

it('refuses new invocations with 503 and Retry-After, runs nothing, and still answers reads', async () => {
  const deployment = await Deployment.create(await loadBlueprint(path.join(import.meta.dirname, 'fixtures/service.yaml')));
  deployment.start();
  const records: InvocationRecord[] = [];
  const started: string[] = [];
  const subscriptions = [deployment.engine.invoker.records$.subscribe((r) => records.push(r)), deployment.engine.invoker.started$.subscribe((s) => started.push(s.entity))];
  const server = await serve(deployment, { port: 0, stopGraceMs: 1_000 });
  try {
    server.refuseInvocations();
    const refused = await fetch(`${server.url}/entities/db/effectors/restart?wait=0`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: string }).error).toBe('the service is stopping: it starts no new effector invocation; retry on another instance or after its restart');
    const read = await fetch(`${server.url}/entities/slow`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { id: string }).id).toBe('slow');
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toBe('the service is stopping');
    expect(started).toEqual([]);
    expect(records).toEqual([]);
  } finally {
    for (const s of subscriptions) s.unsubscribe();
    await server.close(0);
    await deployment.stop({ graceMs: 0 });
  }
}, 20_000);
