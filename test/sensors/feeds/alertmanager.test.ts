// A real Prometheus rule fires, a real Alertmanager posts it to homeostat's webhook, the alert becomes a
// sensor reading on its entity and a policy acts on it; when the rule clears, the resolution arrives too.
import path from 'node:path';
import { filter, map } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import { definePolicy } from '../../../src/policies/define-policy.js';
import { serve } from '../../../src/server/serve.js';
import { startAlertmanager, startHttp, startPrometheus, until, type RealServer } from './real-servers.js';

const TOKEN = 'alertmanager-webhook-token-42';
const stops: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

const restartOnAlert = definePolicy({
  name: 'restart-on-alert',
  config: z.object({}),
  monitor: ({ entity }) => entity.sensor<boolean>('alert.HighErrorRate').observations$,
  analyze: (source) => source.pipe(filter((o) => o.value), map((o) => ({ kind: 'alert', inputs: [o] }))),
  plan: (_s, { entity }) => ({ actions: [{ entity: entity.id, effector: 'restart', params: {} }], reason: 'Alertmanager: HighErrorRate firing' }),
});

describe('a real Alertmanager into the webhook', () => {
  it('fires from a Prometheus rule into a sensor, a policy restarts the entity, and the resolution follows', async () => {
    let ratio = 0.5;
    const metrics = await startHttp((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`# TYPE app_error_ratio gauge\napp_error_ratio{entity="db"} ${ratio}\n`));
    stops.push(() => metrics.close());
    const blueprint = await parseBlueprint(`name: am
application:
  id: app
  children:
    - id: db
      type: sim.database
      config: { role: primary }
      sensors: [{ name: alert.HighErrorRate, type: boolean }, { name: alerts, type: json }]
      policies: [{ use: restart-on-alert }]
`, path.resolve('am.yaml'), { policies: new Map([['restart-on-alert', restartOnAlert]]) });
    const deployment = await Deployment.create(blueprint);
    deployment.start();
    const server = await serve(deployment, { port: 0, alertmanager: { token: TOKEN } });
    stops.push(async () => {
      await server.app.close();
      await deployment.stop();
    });
    const decisions: string[] = [];
    deployment.engine.decisions$.subscribe((d) => decisions.push(`${d.outcome}: ${d.reason}`));
    const alertmanager: RealServer = await startAlertmanager({ url: `${server.url}/alertmanager`, token: TOKEN });
    stops.push(() => alertmanager.stop());
    const rules = `groups:\n  - name: homeostat\n    rules:\n      - alert: HighErrorRate\n        expr: app_error_ratio > 0.1\n        labels: { severity: page }\n        annotations: { summary: 'errors above 10%' }\n`;
    const prometheus = await startPrometheus({ targets: [`127.0.0.1:${metrics.port}`], rules, alertmanager: `127.0.0.1:${alertmanager.port}` });
    stops.push(() => prometheus.stop());

    const db = deployment.tree.get('db');
    await until('the alert reaching db', 60_000, async () => (db.sensor('alert.HighErrorRate').value === true ? true : undefined));
    expect(db.sensor('alerts').value).toMatchObject({ firing: 1, names: ['HighErrorRate'], alerts: [{ status: 'firing', labels: { entity: 'db', severity: 'page', job: 'app' }, annotations: { summary: 'errors above 10%' } }] });
    await until('the policy acting', 10_000, async () => (decisions.includes('applied: Alertmanager: HighErrorRate firing') ? true : undefined));
    const audit = await fetch(`${server.url}/audit`).then((r) => r.json() as Promise<Array<{ action: string; target: string; result: string }>>);
    expect(audit.some((e) => e.action === 'invoke restart' && e.target === 'db' && e.result === 'ok')).toBe(true);
    expect(audit.some((e) => e.action === 'alerts' && e.result === 'ok')).toBe(true);

    ratio = 0;
    await until('the resolution reaching db', 60_000, async () => (db.sensor('alert.HighErrorRate').value === false ? true : undefined));
    expect(db.sensor('alerts').value).toEqual({ firing: 0, names: [], alerts: [] });
  }, 120_000);
});
