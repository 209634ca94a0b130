import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import type { Entity } from '../../../src/core/entity.js';
import { isRunning } from '../../../src/drivers/process/proc-fs.js';
import { serve } from '../../../src/server/serve.js';
import { serves, stateDir, waitUntil } from './helpers.js';

const file = path.resolve(import.meta.dirname, '../../../examples/local-workers/workers.yaml');
const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/**
 * The example's blueprint as written, except: free ports instead of 9101.. (tests never take fixed ports), and
 * without what needs a running Prometheus (the PromQL feed and the autoscaler on it), which this test does not start.
 */
async function exampleBlueprint() {
  const doc = parse(readFileSync(file, 'utf8')) as { application: { children: Array<Record<string, unknown>> } };
  const workers = doc.application.children.find((c) => c['id'] === 'workers') as Record<string, unknown>;
  delete (workers['config'] as Record<string, unknown>)['basePort'];
  workers['feeds'] = ((workers['feeds'] as Array<Record<string, unknown>>) ?? []).filter((f) => f['kind'] !== 'prometheus');
  workers['policies'] = ((workers['policies'] as Array<Record<string, unknown>>) ?? []).filter((p) => p['use'] !== 'autoscaler');
  return parseBlueprint(stringify(doc), file);
}

const up = (m: Entity) => m.sensor<boolean>('service.up').value === true;
const portOf = (m: Entity) => m.sensor<number>('process.port').value as number;
const pidOf = (m: Entity) => m.sensor<number>('process.pid').value as number;

describe('examples/local-workers', () => {
  it('runs the workers: a killed worker is restarted, and resize through the API starts real processes', async () => {
    const deployment = await Deployment.create(await exampleBlueprint(), { stateDir: stateDir() });
    deployment.start();
    stops.push(() => deployment.stop());
    const { app, url } = await serve(deployment, { port: 0 });
    stops.push(() => app.close());
    const workers = deployment.tree.get('workers');
    await waitUntil(() => workers.members.length === 2 && workers.members.every(up), 20_000, 'two workers up');
    for (const m of workers.members) {
      const answer = (await (await fetch(`http://127.0.0.1:${portOf(m)}/`)).json()) as { worker: string };
      expect(answer.worker).toBe(m.id);
      expect(await (await fetch(`http://127.0.0.1:${portOf(m)}/metrics`)).text()).toContain(`worker_requests_total{worker="${m.id}"} 1`);
    }

    const victim = workers.members[1] as Entity;
    const [pid, port] = [pidOf(victim), portOf(victim)];
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');
    await waitUntil(async () => pidOf(victim) !== pid && (await serves(`http://127.0.0.1:${port}/healthz`)), 20_000, 'the worker serving again');
    console.log(`local-workers: kill -9 -> serving again in ${(performance.now() - killedAt).toFixed(0)} ms (failureDelay 1 s)`);
    const decisions = await deployment.knowledge.queryDecisions({ policy: `${victim.id}/restarter` });
    expect(decisions.map((d) => d.outcome)).toContain('applied');

    const response = await fetch(`${url}/entities/workers/effectors/resize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: 4 }) });
    expect(response.status).toBe(200);
    await waitUntil(() => workers.members.length === 4 && workers.members.every(up), 20_000, 'four workers up');
    for (const m of workers.members) expect(await serves(`http://127.0.0.1:${portOf(m)}/healthz`)).toBe(true);
    const bad = await fetch(`${url}/entities/workers/effectors/resize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: -1 }) });
    expect(bad.status).toBe(400);

    const pids = workers.members.map(pidOf);
    await app.close();
    await deployment.stop();
    stops.splice(0);
    for (const p of pids) expect(isRunning(p)).toBe(false);
  }, 90_000);

  it('the example files are all there: worker, blueprint, Prometheus and Alertmanager configs, rule, pager, load generator, one command', () => {
    const dir = path.dirname(file);
    const prometheus = readFileSync(path.join(dir, 'prometheus.yml'), 'utf8');
    for (let port = 9101; port <= 9108; port++) expect(prometheus).toContain(`127.0.0.1:${port}`);
    expect(prometheus).toMatch(/rule_files: \[rules\.yml\][\s\S]*targets: \[127\.0\.0\.1:9193\]/);
    expect(readFileSync(path.join(dir, 'rules.yml'), 'utf8')).toMatch(/alert: WorkersOverloaded[\s\S]*entity: workers/);
    expect(readFileSync(path.join(dir, 'alertmanager.yml'), 'utf8')).toMatch(/url: http:\/\/127\.0\.0\.1:8080\/alertmanager[\s\S]*credentials_file: alertmanager-token/);
    const run = readFileSync(path.join(dir, 'run.sh'), 'utf8');
    expect(run).toContain('apt-get install prometheus prometheus-alertmanager');
    expect(run).toMatch(/HOMEOSTAT_ALERTMANAGER_TOKEN_FILE=.*alertmanager-token/);
    expect(run).toContain('node pager.mjs');
    expect(readFileSync(path.join(dir, 'loadgen.mjs'), 'utf8')).toContain('round-robin');
    expect(readFileSync(file, 'utf8')).toMatch(/kind: prometheus[\s\S]*query: sum\(rate\(worker_requests_total/);
  });
});
