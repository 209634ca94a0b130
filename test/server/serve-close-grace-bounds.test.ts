// serve's close(graceMs) is bounded as StopCoordinator.stop(g) is: a grace above the service's stopGraceMs is
// capped at it (what is left of a host's deadline may be less, never more), and a grace a timer cannot hold
// is refused naming it, with the service left running.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { ValidationError } from '../../src/core/errors.js';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { serve, type Served } from '../../src/server/serve.js';

const MAX_TIMER_MS = 2 ** 31 - 1;
let deployment: Deployment;
let server: Served;
let records: InvocationRecord[];
let closed: boolean;

beforeEach(async () => {
  deployment = await Deployment.create(await loadBlueprint(path.join(import.meta.dirname, 'fixtures/service.yaml')));
  deployment.start();
  records = [];
  deployment.engine.invoker.records$.subscribe((r) => records.push(r));
  server = await serve(deployment, { port: 0, stopGraceMs: 300 });
  closed = false;
});

afterEach(async () => {
  if (!closed) await server.close(0);
  await deployment.stop({ graceMs: 0 });
});

/** Starts `slow`'s restart through the API (it boots for 10 minutes): answered 202 at once, surely in flight. */
async function slowRestart(): Promise<void> {
  const response = await fetch(`${server.url}/entities/slow/effectors/restart?wait=0`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(response.status).toBe(202);
}

describe('serve().close(graceMs) bounds', () => {
  it('caps a grace above the service\'s stopGraceMs at it: the invocation is aborted at 300 ms, not at 60 s', async () => {
    await slowRestart();
    const began = performance.now();
    await server.close(60_000);
    closed = true;
    const tookMs = performance.now() - began;
    expect(tookMs).toBeGreaterThanOrEqual(250);
    expect(tookMs).toBeLessThan(5_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(records.map((r) => ({ entity: r.entity, code: r.error?.code }))).toEqual([{ entity: 'slow', code: 'E_EFFECTOR_ABORTED' }]);
  }, 20_000);

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a negative grace', -1],
    ['more than 2^31-1 ms', MAX_TIMER_MS + 1],
  ])('refuses %s naming close() and the value, and leaves the service running', async (_name, graceMs) => {
    await slowRestart();
    const refused = server.close(graceMs);
    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toThrow(`serve().close graceMs: must be a duration from 0 to ${MAX_TIMER_MS} ms, got ${String(graceMs)}`);
    // nothing was stopped: the API still answers and starts invocations, the one in flight still runs
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    await slowRestart();
    expect(records).toEqual([]);
  }, 20_000);
});
