import path from 'node:path';
import Fastify from 'fastify';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

async function deployment(): Promise<Deployment> {
  const blueprint = await parseBlueprint('name: host\napplication:\n  id: app\n  children:\n    - { id: db, type: sim.database }\n', path.resolve('host.yaml'));
  const created = await Deployment.create(blueprint, { scheduler: new VirtualClock() });
  created.start();
  return created;
}

describe('the plugin on a registry the host keeps', () => {
  it('takes its metrics out of the registry when the app closes, so a new app registers on the same registry', async () => {
    const registry = new Registry();
    const hosts = new Counter({ name: 'host_requests_total', help: "the host app's own", registers: [registry] });
    const first = await deployment();
    const host = Fastify();
    await host.register(homeostatPlugin, { deployment: first, registry, serveMetrics: true });
    await host.ready();
    const homeostatNames = registry.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name).filter((name) => name.startsWith('homeostat_'));
    expect(homeostatNames).toContain('homeostat_decisions_total');
    expect(homeostatNames).toContain('homeostat_knowledge_pending_writes');
    expect(homeostatNames).toContain('homeostat_feed_polls_total');
    await host.close();
    await first.stop();
    expect(registry.getMetricsAsArray()).toEqual([hosts]);

    const second = await deployment();
    const again = Fastify();
    await again.register(homeostatPlugin, { deployment: second, registry, serveMetrics: true });
    const text = (await again.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('homeostat_entities{type="sim.database",state="running"} 1');
    expect(text.match(/^# TYPE homeostat_knowledge_pending_writes /gm)).toHaveLength(1);
    await again.close();
    await second.stop();
  });

  it('leaves nothing in the registry when its registration fails part way, so the host can register it again', async () => {
    const registry = new Registry();
    const first = await deployment();
    const host = Fastify();
    // a receiver token too short fails the registration after the metrics were made
    await expect(host.register(homeostatPlugin, { deployment: first, registry, serveMetrics: true, alertmanager: { token: 'short' } }).ready()).rejects.toThrow(/at least 16 characters/);
    expect(registry.getMetricsAsArray()).toEqual([]);
    await host.close().catch(() => undefined);
    await first.stop();

    const second = await deployment();
    const again = Fastify();
    await again.register(homeostatPlugin, { deployment: second, registry, serveMetrics: true });
    expect((await again.inject({ method: 'GET', url: '/metrics' })).body).toContain('homeostat_entities{type="sim.database",state="running"} 1');
    await again.close();
    await second.stop();
  });
});
