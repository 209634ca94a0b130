// What the HTTP API logs (a refused Alertmanager call, a 500's cause, a /stream cut) reaches `homeostat run`'s
// own log, tagged as the API's: before, the service's fastify logger was off and these lines went nowhere.
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';
import { startRun } from '../support/cli-run.js';

describe('homeostat run: the API logs through the run log', () => {
  it('logs refused Alertmanager calls (a payload of another shape, a body that is not JSON) at warn, with component api, and no line per request', async () => {
    const port = await freePort();
    const service = startRun(['test/grafana/fixtures/observed.yaml', '--port', String(port)], { ...process.env, HOMEOSTAT_ALERTMANAGER_TOKEN: 'am-secret-token-0123' });
    try {
      await until('the service', 30_000, async () => ((await fetch(`http://127.0.0.1:${port}/health`)).ok ? true : undefined));
      for (let i = 0; i < 3; i++) expect((await fetch(`http://127.0.0.1:${port}/entities/web`)).status).toBe(200);
      const refused = await fetch(`http://127.0.0.1:${port}/alertmanager`, { method: 'POST', headers: { authorization: 'Bearer am-secret-token-0123', 'content-type': 'application/json' }, body: JSON.stringify({ version: '4', alerts: 'none' }) });
      expect(refused.status).toBe(400);
      const notJson = await fetch(`http://127.0.0.1:${port}/alertmanager`, { method: 'POST', headers: { authorization: 'Bearer am-secret-token-0123', 'content-type': 'application/json' }, body: '{"version": "4", ' });
      expect(notJson.status).toBe(400);
      const lines = await until('both refusals in the log', 10_000, async () => {
        const found = service.output().split('\n').filter((l) => l.includes('Alertmanager webhook refused (400)'));
        return found.length >= 2 ? found : undefined;
      });
      for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: 40, component: 'api', service: 'homeostat' });
      expect(lines.find((l) => l.includes('v4 webhook payload ('))).toMatch(/not an Alertmanager v4 webhook payload \(\d+ issues, first: /);
      // requests themselves are not logged
      expect(service.output()).not.toMatch(/incoming request|request completed/);
    } finally {
      await service.stop();
    }
  }, 60_000);
});
