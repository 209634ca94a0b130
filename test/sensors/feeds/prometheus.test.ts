// The prometheus feed against a real Prometheus scraping a local metrics server; then Prometheus is stopped
// mid-run: readings go missing and stale, failures are counted, and nothing reads as zero.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import type { Observation } from '../../../src/sensors/reading.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { startHttp, startPrometheus, until, type RealServer } from './real-servers.js';

let metrics: Awaited<ReturnType<typeof startHttp>>;
let prometheus: RealServer;
const exposition = (rps: number) => [
  '# TYPE app_requests_per_second gauge',
  `app_requests_per_second{worker="w1"} ${rps}`,
  `app_requests_per_second{worker="w2"} ${rps * 2}`,
  '# TYPE pool_rps gauge', 'pool_rps{worker="pool-1"} 4', 'pool_rps{worker="pool-2"} 8',
  '# TYPE app_nan gauge', 'app_nan NaN',
  '# TYPE app_inf gauge', 'app_inf +Inf', '',
].join('\n');

beforeAll(async () => {
  metrics = await startHttp((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition(5)));
  prometheus = await startPrometheus({ targets: [`127.0.0.1:${metrics.port}`] });
  await until('the first scrape', 30_000, async () => {
    const body = (await (await fetch(`${prometheus.url}/api/v1/query?query=app_requests_per_second`)).json()) as { data: { result: unknown[] } };
    return body.data.result.length === 2 ? true : undefined;
  });
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await metrics?.close();
});

function blueprint(promUrl: string, port: number): string {
  const feed = `kind: prometheus, url: "${promUrl}", every: 5s, timeout: 2s, jitter: 0`;
  return `name: prom
application:
  id: app
  children:
    - id: svc
      config: { port: ${port} }
      sensors: [{ name: rps }, { name: nan.value }, { name: inf.value }, { name: none.value }, { name: target.up, type: boolean }]
      feeds:
        - { ${feed}, sensor: rps, query: 'sum(app_requests_per_second{instance="127.0.0.1:{{config.port}}"})' }
        - { ${feed}, sensor: nan.value, query: app_nan }
        - { ${feed}, sensor: inf.value, query: app_inf }
        - { ${feed}, sensor: none.value, query: 'app_requests_per_second{worker="nobody"}' }
        - { ${feed}, sensor: target.up, query: 'up{job="app"}' }
    - id: workers
      members: [w1, w2, w3]
      feeds:
        - { ${feed}, sensor: rps, query: app_requests_per_second, fanOut: { label: worker } }
    - { id: w1, sensors: [{ name: rps }] }
    - { id: w2, sensors: [{ name: rps }] }
    - { id: w3, sensors: [{ name: rps }] }
    - id: pool
      type: cluster
      config: { initialSize: 2 }
      memberSpec: { type: entity, sensors: [{ name: rps }] }
      sensors: [{ name: pool.rps }]
      feeds:
        - { ${feed}, sensor: pool.rps, query: 'sum(pool_rps)' }
        - { ${feed}, sensor: rps, query: pool_rps, fanOut: { label: worker } }
      policies:
        - use: autoscaler
          config: { metric: pool.rps, target: 10, basis: total, min: 1, max: 4, evaluationInterval: 5s, scaleDown: { stabilization: 0 } }
`;
}

describe('prometheus feed against a real Prometheus', () => {
  it('reads templated queries and fans out by label; NaN, +Inf and empty results are counted, never zero; Prometheus stopped: stale, not zero', async () => {
    const clock = new VirtualClock();
    const bp = await parseBlueprint(blueprint(prometheus.url, metrics.port), path.resolve('prom.yaml'));
    const deployment = await Deployment.create(bp, { scheduler: clock });
    const seen: Observation[] = [];
    deployment.start();
    for (const entity of deployment.tree.entities()) for (const sensor of entity.sensors) sensor.readings$.subscribe((o) => seen.push(o));
    const tree = deployment.tree;
    const decisions: Array<{ outcome: string; reason: string; at: number }> = [];
    deployment.engine.decisions$.subscribe((d) => decisions.push({ outcome: d.outcome, reason: d.reason, at: d.at }));
    await clock.settle();
    await vi.waitFor(() => {
      expect(tree.get('svc').sensor('rps').value).toBe(15);
      expect(tree.get('w1').sensor('rps').value).toBe(5);
      expect(tree.get('w2').sensor('rps').value).toBe(10);
      expect(tree.get('svc').sensor('target.up').value).toBe(true);
      expect(tree.get('pool').sensor('pool.rps').value).toBe(12);
      expect(tree.get('pool-2').sensor('rps').value).toBe(8);
      expect(deployment.feeds.health().every((h) => h.polls === 1)).toBe(true);
    }, { timeout: 10_000 });
    const health = Object.fromEntries(deployment.feeds.health().map((h) => [`${h.entity}.${h.sensor}`, h]));
    expect(health['svc.nan.value']?.rejected).toBe(1);
    expect(health['svc.inf.value']?.rejected).toBe(1);
    expect(health['svc.none.value']?.missing).toBe(1);
    expect(health['workers.rps']?.missing).toBe(1); // w3 has no series
    expect(tree.get('w3').sensor('rps').current).toBeUndefined();
    for (const name of ['nan.value', 'inf.value', 'none.value']) expect(tree.get('svc').sensor(name).current).toBeUndefined();

    await prometheus.stop();
    await clock.advanceBy(5_000);
    await vi.waitFor(() => expect(deployment.feeds.health().every((h) => h.consecutiveFailures === 1)).toBe(true), { timeout: 10_000 });
    expect(health['svc.rps']?.lastError ?? deployment.feeds.health()[0]?.lastError).toBeTruthy();
    expect(deployment.feeds.health().find((h) => h.sensor === 'rps')?.lastError).toBe(`cannot reach 127.0.0.1:${prometheus.port}: ECONNREFUSED`);
    // bound: 2 x every + timeout = 12 s after the last good reading (at 0)
    await clock.advanceBy(7_001);
    expect(tree.get('svc').sensor('rps').value).toBeUndefined();
    expect(tree.get('w1').sensor('rps').value).toBeUndefined();
    expect(tree.get('pool-1').sensor('rps').value).toBeUndefined();
    // the autoscaler sees the metric missing: it holds and says why; it never scales down on a zero it does not have
    await clock.advanceBy(30_000);
    await vi.waitFor(() => expect(decisions.some((d) => d.at > 12_000 && /pool\.rps is missing or stale/.test(d.reason))).toBe(true));
    expect(decisions.filter((d) => d.outcome === 'applied')).toEqual([]);
    expect(tree.get('pool').members).toHaveLength(2);
    expect(seen.filter((o) => typeof o.value === 'number' && o.value === 0)).toEqual([]);
    expect(seen.filter((o) => o.sensor === 'rps').length).toBe(5);
    await deployment.stop();
  }, 60_000);
});

describe('prometheus feed with basic auth (Prometheus --web.config.file)', () => {
  // bcrypt of 's3cret-for-tests' (cost 10), as Prometheus' web config wants it
  const BCRYPT = '$2b$10$f3bCddHHvpqISRARi3H/TOUQuAAWDzRdji8kdIya1UmIL5aO21mji';
  it('sends the password from a file; without it Prometheus answers 401 and the poll is counted as failed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-prom-auth-'));
    await writeFile(path.join(dir, 'password'), 's3cret-for-tests\n');
    const secured = await startPrometheus({ targets: [`127.0.0.1:${metrics.port}`], basicAuth: { user: 'homeostat', password: 's3cret-for-tests', bcrypt: BCRYPT } });
    try {
      const clock = new VirtualClock();
      const feed = `kind: prometheus, url: "${secured.url}", every: 5s, jitter: 0, query: 'vector(7)'`;
      const bp = await parseBlueprint(`name: auth\napplication:\n  id: app\n  sensors: [{ name: with.auth }, { name: without.auth }]\n  feeds:\n    - { ${feed}, sensor: with.auth, auth: { basic: { username: homeostat, password: { file: ${path.join(dir, 'password')} } } } }\n    - { ${feed}, sensor: without.auth }\n`, path.resolve('auth.yaml'));
      const deployment = await Deployment.create(bp, { scheduler: clock });
      deployment.start();
      await clock.settle();
      const app = deployment.tree.get('app');
      await vi.waitFor(() => expect(app.sensor('with.auth').value).toBe(7), { timeout: 10_000 });
      await vi.waitFor(() => expect(deployment.feeds.health().find((h) => h.sensor === 'without.auth')?.lastError).toMatch(/^HTTP 401 from/), { timeout: 10_000 });
      expect(app.sensor('without.auth').current).toBeUndefined();
      await deployment.stop();
    } finally {
      await secured.stop();
    }
  }, 60_000);
});
