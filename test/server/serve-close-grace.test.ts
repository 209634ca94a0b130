// serve's close(graceMs): a host whose stop began earlier gives the service what is left of its deadline, and
// API invocations still running are aborted then, not after the service's own (longer) stopGraceMs.
import path from 'node:path';
import { expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { loadBlueprint } from '../../src/blueprint/load.js';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { serve } from '../../src/server/serve.js';

it('aborts API invocations still running at the grace close() is given, not at the service\'s stopGraceMs', async () => {
  const blueprint = await loadBlueprint(path.join(import.meta.dirname, 'fixtures/service.yaml'));
  const deployment = await Deployment.create(blueprint);
  deployment.start();
  const records: InvocationRecord[] = [];
  const subscription = deployment.engine.invoker.records$.subscribe((r) => records.push(r));
  const server = await serve(deployment, { port: 0, stopGraceMs: 10_000 });
  let closed = false;
  try {
    // the restart of `slow` boots for 10 minutes: answered 202 at once (wait=0), it is surely in flight
    const response = await fetch(`${server.url}/entities/slow/effectors/restart?wait=0`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(202);
    const began = performance.now();
    await server.close(300);
    closed = true;
    const tookMs = performance.now() - began;
    expect(tookMs).toBeGreaterThanOrEqual(250);
    expect(tookMs).toBeLessThan(3_000); // far below the 10 s the service alone would wait
    await new Promise((resolve) => setImmediate(resolve));
    expect(records.map((r) => ({ entity: r.entity, code: r.error?.code }))).toEqual([{ entity: 'slow', code: 'E_EFFECTOR_ABORTED' }]);
  } finally {
    subscription.unsubscribe();
    if (!closed) await server.close(0);
    await deployment.stop({ graceMs: 0 });
  }
}, 20_000);
