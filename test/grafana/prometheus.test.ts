// The dashboards against a real Prometheus: it scrapes a running `homeostat run`, and every panel and
// annotation query of every dashboard must return data. Also: promtool accepts homeostat's metrics.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboards } from '../../grafana/dashboards.js';
import { expressionsOf, substitute } from './expressions.js';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';

const root = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
let homeostatPort = 0;
let prometheusPort = 0;

async function query(expr: string): Promise<unknown[]> {
  const response = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data?.result ?? [];
}

beforeAll(async () => {
  const which = spawnSync('prometheus', ['--version']);
  if (which.error) throw new Error('prometheus is not installed (.ci/run installs the Debian package `prometheus`)');
  homeostatPort = await freePort();
  prometheusPort = await freePort();
  const homeostat = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', 'test/grafana/fixtures/observed.yaml', '--port', String(homeostatPort)], { cwd: root, stdio: 'ignore' });
  children.push(homeostat);
  await until('homeostat serving', 20_000, async () => ((await fetch(`http://127.0.0.1:${homeostatPort}/health`)).ok ? true : undefined));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-prometheus-'));
  await writeFile(path.join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: homeostat\n    static_configs:\n      - targets: ['127.0.0.1:${homeostatPort}']\n`);
  const prometheus = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`, '--log.level=warn'], { stdio: 'ignore' });
  children.push(prometheus);
  await until('prometheus ready', 30_000, async () => ((await fetch(`http://127.0.0.1:${prometheusPort}/-/ready`)).ok ? true : undefined));
}, 60_000);

afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
});

describe('dashboards against a real Prometheus scraping homeostat run', () => {
  it('every panel and annotation query of every dashboard returns data', async () => {
    const all = Object.values(dashboards).flatMap((d) => expressionsOf(d).map((e) => ({ ...e, expr: substitute(e.expr, 'restarter') })));
    expect(all.length).toBeGreaterThan(25);
    const empty = await until('every query returning data', 60_000, async () => {
      const missing: string[] = [];
      for (const { where, expr } of all) if ((await query(expr)).length === 0) missing.push(`${where}: ${expr}`);
      return missing.length === 0 ? missing : undefined;
    }).catch(async (error: Error) => {
      const missing: string[] = [];
      for (const { where, expr } of all) if ((await query(expr)).length === 0) missing.push(`${where}: ${expr}`);
      throw new Error(`${error.message}\nstill empty:\n${missing.join('\n')}`);
    });
    expect(empty).toEqual([]);
  }, 90_000);

  it('promtool check metrics accepts homeostat\'s metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${homeostatPort}/metrics`)).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    expect(text).toContain('homeostat_decisions_total{policy="restarter",action="restart",outcome="applied"}');
  });
});
