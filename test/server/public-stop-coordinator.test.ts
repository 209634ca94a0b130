// `homeostat/server` exports what its public API takes and returns: a host embedding the plugin in its own
// fastify makes the StopCoordinator the option `stopCoordinator` takes, so that the service's stop shares the
// host's deadline; `serve` returns a `Served`.
import path from 'node:path';
import Fastify from 'fastify';
import { expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { loadBlueprint } from '../../src/blueprint/load.js';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { homeostatPlugin, serve, StopCoordinator, type Served } from '../../src/server/index.js';
import { PluginOptionsError } from '../../src/server/plugin-options.js';

it('a host embedding the plugin stops it with its own StopCoordinator: invocations in flight get what is left of the host\'s deadline', async () => {
  const blueprint = await loadBlueprint(path.join(import.meta.dirname, 'fixtures/service.yaml'));
  const deployment = await Deployment.create(blueprint);
  deployment.start();
  const records: InvocationRecord[] = [];
  const subscription = deployment.engine.invoker.records$.subscribe((r) => records.push(r));
  const app = Fastify();
  const stop = new StopCoordinator(10_000);
  await app.register(homeostatPlugin, { deployment, stopCoordinator: stop, docs: false });
  let closed = false;
  try {
    // the restart of `slow` boots for 10 minutes: answered 202 at once (wait=0), it is surely in flight
    const response = await app.inject({ method: 'POST', url: '/entities/slow/effectors/restart?wait=0', payload: {} });
    expect(response.statusCode).toBe(202);
    const began = performance.now();
    // the host's stop began earlier: 300 ms are left of its deadline
    void stop.stop(300);
    expect(stop.stopping).toBe(true);
    await app.close();
    closed = true;
    const tookMs = performance.now() - began;
    expect(tookMs).toBeGreaterThanOrEqual(250);
    expect(tookMs).toBeLessThan(3_000); // far below the coordinator's own 10 s grace
    expect(stop.invocationSignal.aborted).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(records.map((r) => ({ entity: r.entity, code: r.error?.code }))).toEqual([{ entity: 'slow', code: 'E_EFFECTOR_ABORTED' }]);
  } finally {
    subscription.unsubscribe();
    if (!closed) {
      void stop.stop(0);
      await app.close();
    }
    await deployment.stop({ graceMs: 0 });
  }
}, 20_000);

it('serve returns a Served, named by homeostat/server', async () => {
  const blueprint = await loadBlueprint(path.join(import.meta.dirname, 'fixtures/service.yaml'));
  const deployment = await Deployment.create(blueprint);
  deployment.start();
  const served: Served = await serve(deployment, { port: 0 });
  try {
    expect((await fetch(`${served.url}/health`)).status).toBe(200);
  } finally {
    await served.close(0);
    await deployment.stop({ graceMs: 0 });
  }
}, 20_000);

it('the plugin refuses a stopGraceMs that differs from the grace of the stopCoordinator it is given, and takes one that agrees', async () => {
  const blueprint = await loadBlueprint(path.join(import.meta.dirname, 'fixtures/service.yaml'));
  const deployment = await Deployment.create(blueprint);
  deployment.start();
  const refused = Fastify();
  const agreeing = Fastify();
  try {
    const stop = new StopCoordinator(10_000);
    await expect(refused.register(homeostatPlugin, { deployment, stopCoordinator: stop, stopGraceMs: 5_000, docs: false }).ready()).rejects.toThrow(
      new PluginOptionsError('invalid homeostat plugin options: stopGraceMs (5000 ms) differs from the grace of stopCoordinator (10000 ms); give one of them, or the same grace to both'),
    );
    await agreeing.register(homeostatPlugin, { deployment, stopCoordinator: stop, stopGraceMs: 10_000, docs: false }).ready();
    expect((await agreeing.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  } finally {
    await agreeing.close();
    await refused.close().catch(() => undefined);
    await deployment.stop({ graceMs: 0 });
  }
}, 20_000);
