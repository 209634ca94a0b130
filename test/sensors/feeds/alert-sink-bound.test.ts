// The firing alerts an AlertSink keeps are bounded: each was kept until its resolution came, and with
// `send_resolved: false`, lost resolutions or alerts whose labels change, they only grew (40,000 alerts held
// 127 MB, and each webhook call walked all of them). Past the bound a new alert is unmatched, with the reason.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import { AlertSink } from '../../../src/sensors/feeds/alert-sink.js';
import { webhookPayloadSchema } from '../../../src/sensors/feeds/alertmanager-payload.js';

const firing = (fingerprints: string[], status: 'firing' | 'resolved' = 'firing') => webhookPayloadSchema.parse({
  version: '4',
  status,
  alerts: fingerprints.map((fingerprint) => ({ status, labels: { alertname: 'DbDown', entity: 'db', fp: fingerprint }, startsAt: '2024-01-01T00:00:00Z', fingerprint })),
});

describe('AlertSink bounds the alerts it keeps firing', () => {
  it('keeps at most maxActive, says why it refused the rest, and takes new ones once some resolve', async () => {
    const blueprint = await parseBlueprint(`name: am
application:
  id: app
  children:
    - id: db
      type: sim.database
      config: { role: primary }
      sensors: [{ name: alerts, type: json }]
`, path.resolve('am.yaml'));
    const deployment = await Deployment.create(blueprint);
    deployment.start();
    const sink = new AlertSink(deployment.tree, { maxActive: 3 });
    const first = sink.receive(firing(['a', 'b', 'c', 'd', 'e']));
    expect(first).toMatchObject({ received: 5, published: 3 });
    expect(first.unmatched).toEqual([
      { fingerprint: 'd', reason: '3 alerts are firing already, the most kept (maxActive): this one is not published until some resolve' },
      { fingerprint: 'e', reason: '3 alerts are firing already, the most kept (maxActive): this one is not published until some resolve' },
    ]);
    expect(sink.alerts('db').map((a) => a.fingerprint)).toEqual(['a', 'b', 'c']);
    // a repeat of a kept alert is still a duplicate, not refused
    expect(sink.receive(firing(['a']))).toMatchObject({ duplicates: 1, unmatched: [] });
    sink.receive(firing(['a'], 'resolved'));
    expect(sink.receive(firing(['d']))).toMatchObject({ published: 1, unmatched: [] });
    expect(deployment.tree.find('db')?.sensor<{ firing: number }>('alerts').value?.firing).toBe(3);
    await deployment.stop();
  });

  it('refuses a bound that is not a whole number from 1', async () => {
    const deployment = await Deployment.create(await parseBlueprint('name: x\napplication: { id: app }\n', path.resolve('x.yaml')));
    expect(() => new AlertSink(deployment.tree, { maxActive: 0 })).toThrow(/maxActive must be a whole number from 1, got 0/);
    await deployment.stop();
  });
});
