// Feed overhead with 1,000 Prometheus fan-out members: one vector query per poll against a real Prometheus
// (Debian `prometheus`, started here on a free port) that scrapes 1,000 series from a local server. Compares
// a homeostat poll (query, map each series to its member by label, publish to 1,000 validated sensors)
// with a plain script doing the same fetch and JSON parse into a Map. Run: npx tsx bench/feeds.ts
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Deployment } from '../src/blueprint/deployment.js';
import { parseBlueprint } from '../src/blueprint/load.js';
import { fanOut, prometheusFeed, type PrometheusFeedDecl } from '../src/sensors/feeds/prometheus.js';
import { instantQuery } from '../src/sensors/feeds/prometheus-api.js';
import { VirtualClock } from '../src/testing/virtual-clock.js';
import { emit, quantile } from './stats.js';

const MEMBERS = 1_000;
const POLLS = 60;

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function main(): Promise<void> {
  const lines = ['# TYPE worker_rps gauge', ...Array.from({ length: MEMBERS }, (_, i) => `worker_rps{worker="workers-${i + 1}"} ${(i % 50) + 1}`), ''].join('\n');
  const metrics = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(lines));
  const metricsPort = await listen(metrics);
  const probe = createServer();
  const promPort = await listen(probe);
  await new Promise((r) => probe.close(r));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-bench-feeds-'));
  await writeFile(path.join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: w\n    static_configs: [{ targets: ['127.0.0.1:${metricsPort}'] }]\n`);
  const prometheus = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${promPort}`;
  try {
    for (;;) {
      const body = await fetch(`${url}/api/v1/query?query=count(worker_rps)`).then((r) => r.json() as Promise<{ data?: { result?: Array<{ value: [number, string] }> } }>).catch(() => undefined);
      if (body?.data?.result?.[0]?.value[1] === String(MEMBERS)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const clock = new VirtualClock();
    const blueprint = await parseBlueprint(`name: bench\napplication:\n  id: app\n  children:\n    - id: workers\n      type: cluster\n      config: { initialSize: ${MEMBERS} }\n      memberSpec: { type: entity, sensors: [{ name: rps }] }\n`, 'bench.yaml');
    const deployment = await Deployment.create(blueprint, { scheduler: clock });
    deployment.start();
    const group = deployment.tree.get('workers');
    const decl = prometheusFeed.schema.parse({ kind: 'prometheus', sensor: 'rps', url, query: 'worker_rps', fanOut: { label: 'worker' } }) as PrometheusFeedDecl;
    const read = prometheusFeed.create(decl, group, { scheduler: clock, env: process.env });

    const homeostat: number[] = [];
    const plain: number[] = [];
    let published = 0;
    const homeostatPoll = async (keep: boolean): Promise<void> => {
      const start = performance.now();
      const result = await read(new AbortController().signal);
      for (const sample of result.samples) if (sample.entity.sensor('rps').publish(sample.value)) published += 1;
      if (keep) homeostat.push(performance.now() - start);
    };
    for (let i = 0; i < POLLS + 5; i++) {
      // interleaved, alternating which goes first, so both see the same Prometheus
      if (i % 2 === 0) await homeostatPoll(i >= 5);
      const start = performance.now();
      const response = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: 'worker_rps' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const body = (await response.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      const values = new Map<string, number>();
      for (const series of body.data.result) values.set(series.metric['worker'] ?? '', Number(series.value[1]));
      if (values.size !== MEMBERS) throw new Error('plain poll lost series');
      if (i >= 5) plain.push(performance.now() - start);
      if (i % 2 === 1) await homeostatPoll(i >= 5);
    }
    // the in-process part alone: map 1,000 series to members and publish them (no network)
    const samples = await instantQuery(url, 'worker_rps', { signal: new AbortController().signal });
    const inProcess: number[] = [];
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      const result = fanOut(group, 'rps', { label: 'worker', key: '{{member.id}}' }, samples);
      for (const sample of result.samples) sample.entity.sensor('rps').publish(sample.value);
      inProcess.push(performance.now() - start);
    }
    if (published !== MEMBERS * (POLLS + 5)) throw new Error(`published ${published}, expected ${MEMBERS * (POLLS + 5)}`);
    const p50 = quantile(homeostat, 0.5);
    const plainP50 = quantile(plain, 0.5);
    emit({ members: MEMBERS, polls: POLLS, p50Ms: p50, p99Ms: quantile(homeostat, 0.99), plainP50Ms: plainP50, plainP99Ms: quantile(plain, 0.99), overheadMsPerPoll: p50 - plainP50, overheadRatio: p50 / plainP50, mapAndPublishP50Ms: quantile(inProcess.slice(20), 0.5), mapAndPublishP99Ms: quantile(inProcess.slice(20), 0.99) });
    await deployment.stop();
  } finally {
    prometheus.kill('SIGTERM');
    metrics.close();
  }
}

await main();
