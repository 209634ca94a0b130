// The local-workers example end to end, with everything real: homeostat runs the workers as processes, a real
// Prometheus scrapes them and evaluates the example's alerting rule, a real Alertmanager sends the alert to
// homeostat's webhook, the example's load generator loads the workers and the example's pager prints the page.
// Load up: the group grows through the PromQL feed and, at its max, the overload alert pages a person.
// Load gone: the group shrinks after the stabilization window, and the resolution is paged.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import { isRunning } from '../../../src/drivers/process/proc-fs.js';
import { serve } from '../../../src/server/serve.js';
import { freePort } from '../../support/free-port.js';
import { requireBinary } from '../../sensors/feeds/real-servers.js';
import { stateDir, waitUntil } from './helpers.js';

const example = path.resolve(import.meta.dirname, '../../../examples/local-workers');
const TOKEN = 'local-workers-webhook-token-0123456789';
/** The test's group max (the example's is 8): at 3 workers, the load below overloads them and the rule fires. */
const MAX = 3;
/** Requests/s the load generator sends: 40 per worker at MAX, above the rule's 25 and the autoscaler's 15. */
const PEAK = 120;
/**
 * Hash rounds per request (the example's is 2000, a few ms on an idle core): cut so that MAX workers serve PEAK
 * on a loaded 2-core machine. The test is about the loop (PromQL -> resize, rule -> page), not the CPU.
 */
const WORK_ROUNDS = '20';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

type Doc = Record<string, unknown>;
const readYaml = (file: string): Doc => parse(readFileSync(path.join(example, file), 'utf8')) as Doc;

/** True when nothing listens on `port` of 127.0.0.1. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first port of `count` consecutive free ones, for the group's basePort (Prometheus scrapes them all). */
async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** Spawns a process of this test, keeps its output lines, and stops it (SIGTERM by its PID) after the test. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; lines: string[]; stop(): Promise<void> } {
  const child = spawn(command, args, { cwd: example, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = once(child, 'exit');
    process.kill(child.pid, 'SIGTERM');
    await exited;
  };
  stops.push(stop);
  return { child, lines, stop };
}

/** The example's blueprint with the test's ports, and windows of seconds instead of minutes. */
async function blueprint(basePort: number, prometheusUrl: string, pagerPort: number) {
  const doc = readYaml('workers.yaml') as { application: { children: Doc[] } };
  const pager = doc.application.children.find((c) => c['id'] === 'pager') as { config: Doc };
  pager.config['url'] = `http://127.0.0.1:${pagerPort}/`;
  const workers = doc.application.children.find((c) => c['id'] === 'workers') as { config: Doc; feeds: Doc[]; policies: Doc[] };
  Object.assign(workers.config, { basePort, initialSize: 1 });
  const member = workers as unknown as { memberSpec: { config: { env: Doc } } };
  member.memberSpec.config.env['WORK_ROUNDS'] = WORK_ROUNDS;
  const feed = workers.feeds.find((f) => f['kind'] === 'prometheus') as Doc;
  Object.assign(feed, { url: prometheusUrl, every: '1s', jitter: 0, query: String(feed['query']).replace('[30s]', '[5s]') });
  const autoscaler = workers.policies.find((p) => p['use'] === 'autoscaler') as { cooldown: unknown; config: Doc };
  autoscaler.cooldown = '1s';
  Object.assign(autoscaler.config, { max: MAX, evaluationInterval: '1s', scaleDown: { stabilization: '6s' } });
  return parseBlueprint(stringify(doc), path.join(example, 'workers.yaml'));
}

/** The example's prometheus.yml and rules.yml: the test's worker ports and Alertmanager, 1 s scrapes, a 5 s rate, no `for`. */
function prometheusConfig(dir: string, basePort: number, alertmanagerPort: number): string {
  const rules = readYaml('rules.yml') as { groups: Array<{ rules: Doc[] }> };
  for (const rule of rules.groups.flatMap((g) => g.rules)) Object.assign(rule, { expr: String(rule['expr']).replace('[1m]', '[5s]'), for: '0s' });
  writeFileSync(path.join(dir, 'rules.yml'), stringify(rules));
  const config = readYaml('prometheus.yml') as { global: Doc; rule_files: string[]; alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> }; scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
  Object.assign(config.global, { scrape_interval: '1s', evaluation_interval: '1s' });
  config.rule_files = [path.join(dir, 'rules.yml')];
  config.alerting.alertmanagers = [{ static_configs: [{ targets: [`127.0.0.1:${alertmanagerPort}`] }] }];
  config.scrape_configs = config.scrape_configs.filter((job) => job.job_name === 'local-workers');
  const workers = config.scrape_configs[0]?.static_configs[0] as { targets: string[] };
  workers.targets = Array.from({ length: MAX }, (_, i) => `127.0.0.1:${basePort + i}`);
  writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
  return path.join(dir, 'prometheus.yml');
}

/** The example's alertmanager.yml, copied with its token file as run.sh does: the test's webhook URL and 1 s grouping. */
function alertmanagerConfig(dir: string, webhookUrl: string): string {
  const config = readYaml('alertmanager.yml') as { route: Doc; receivers: Array<{ webhook_configs: Doc[] }> };
  Object.assign(config.route, { group_wait: '1s', group_interval: '1s' });
  const webhook = config.receivers[0]?.webhook_configs[0] as Doc;
  webhook['url'] = webhookUrl;
  writeFileSync(path.join(dir, 'alertmanager.yml'), stringify(config));
  return path.join(dir, 'alertmanager.yml');
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

describe('examples/local-workers under load, with a real Prometheus and Alertmanager', () => {
  it('grows through PromQL as load rises, pages when the group at its max is overloaded, shrinks after the window when load falls', async () => {
    requireBinary('prometheus', 'prometheus');
    requireBinary('prometheus-alertmanager', 'prometheus-alertmanager');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-local-workers-'));
    const [basePort, prometheusPort, alertmanagerPort, clusterPort, pagerPort] = [await freePortRange(MAX), await freePort(), await freePort(), await freePort(), await freePort()];
    const prometheusUrl = `http://127.0.0.1:${prometheusPort}`;

    start('prometheus', [`--config.file=${prometheusConfig(dir, basePort, alertmanagerPort)}`, `--storage.tsdb.path=${path.join(dir, 'prom')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`, '--log.level=warn']);
    await waitUntil(() => ready(`${prometheusUrl}/-/ready`), 30_000, 'Prometheus ready');
    writeFileSync(path.join(dir, 'alertmanager-token'), TOKEN); // as run.sh does: homeostat and Alertmanager read it
    const pager = start(process.execPath, ['pager.mjs'], { PORT: String(pagerPort) });
    const deployment = await Deployment.create(await blueprint(basePort, prometheusUrl, pagerPort), { stateDir: stateDir() });
    deployment.start();
    stops.push(() => deployment.stop());
    const server = await serve(deployment, { port: 0, alertmanager: { tokenFile: path.join(dir, 'alertmanager-token') } });
    stops.push(() => server.app.close());
    start('prometheus-alertmanager', [`--config.file=${alertmanagerConfig(dir, `${server.url}/alertmanager`)}`, `--storage.path=${path.join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${alertmanagerPort}`, `--cluster.listen-address=127.0.0.1:${clusterPort}`, '--log.level=warn']);
    await waitUntil(() => ready(`http://127.0.0.1:${alertmanagerPort}/-/ready`), 30_000, 'Alertmanager ready');

    const workers = deployment.tree.get('workers');
    const size = () => workers.members.length;
    const rate = () => workers.sensor<number>('requests.rate').value;
    const loadOutput: string[][] = [];
    /** What the loop saw, for a failure message: a real run is slow to reproduce. */
    const explain = async (error: unknown): Promise<never> => {
      const decisions = (await deployment.knowledge.queryDecisions({ limit: 50 })).map((d) => `${d.policy} ${d.outcome}: ${d.reason}`);
      throw new Error([String(error), `size ${size()}, rate ${rate()}`, `feeds ${JSON.stringify(deployment.feeds.health('workers'))}`, ...decisions, ...(loadOutput[0]?.slice(-5) ?? []), ...pager.lines].join('\n'));
    };
    // idle: the rate Prometheus reads is 0 (a reading, not a missing one), so the group stays at its min
    await waitUntil(() => size() === 1 && rate() === 0 && workers.members[0]?.sensor('service.up').value === true, 30_000, 'one idle worker and a rate of 0').catch(explain);
    const t0 = performance.now();
    const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
    const pids = new Set<number>();

    const load = start(process.execPath, ['loadgen.mjs', '--peak', String(PEAK), '--ramp', '0', '--hold', '600', '--base-port', String(basePort), '--ports', String(MAX)]);
    loadOutput.push(load.lines);
    await waitUntil(() => size() === MAX && workers.members.every((m) => m.sensor('process.pid').value !== undefined), 40_000, `the group grown to ${MAX} running workers`).catch(explain);
    const grown = since();
    for (const m of workers.members) pids.add(m.sensor<number>('process.pid').value as number);
    const scaledUp = await deployment.knowledge.queryDecisions({ policy: 'workers/autoscaler' });
    expect(scaledUp.filter((d) => d.outcome === 'applied').map((d) => d.actions[0]?.params)).toContainEqual({ size: MAX });
    expect(scaledUp.find((d) => d.outcome === 'applied')?.inputs.some((i) => i.sensor === 'requests.rate')).toBe(true);

    // at its max the group serves about PEAK / MAX > 25 requests/s per worker: the example's rule fires
    const page = await waitUntil(() => pager.lines.find((l) => l.startsWith('PAGE [warning] workers: workers serve')), 40_000, 'the overload page').catch(explain);
    expect(page).toMatch(/^PAGE \[warning\] workers: workers serve \d+ requests\/s each, above 25 \(The autoscaler cannot keep up/);
    const paged = since();
    // the decision is recorded once the pager's answer is in
    const firing = 'Alertmanager: WorkersOverloaded firing on workers: paging via pager';
    const pageDecision = await waitUntil(async () => (await deployment.knowledge.queryDecisions({ policy: 'workers/alert-pager' })).find((d) => d.reason === firing), 10_000, 'the page decision').catch(explain);
    expect(pageDecision.outcome).toBe('applied');

    // the load falls from the moment it is told to stop (its process may take a few ms more to end): the
    // stabilization window cannot have begun before that moment
    const stoppedAt = performance.now();
    await load.stop();
    await waitUntil(() => size() === 1, 60_000, 'the group shrunk to 1').catch(explain);
    const scaledDown = (await deployment.knowledge.queryDecisions({ policy: 'workers/autoscaler' })).filter((d) => d.outcome === 'applied' && (d.actions[0]?.params as { size: number }).size < MAX);
    expect(scaledDown.length).toBeGreaterThan(0);
    const shrunk = since();
    expect(performance.now() - stoppedAt).toBeGreaterThan(6_000); // not before the stabilization window
    await waitUntil(() => pager.lines.some((l) => l.startsWith('PAGE [warning] workers: resolved: workers serve')), 40_000, 'the resolution page').catch(explain);

    console.log(`local-workers under load: grown to ${MAX} at ${grown}, paged at ${paged}, load stopped at ${((stoppedAt - t0) / 1000).toFixed(1)} s, shrunk to 1 at ${shrunk}, resolution paged at ${since()}`);
    await server.app.close();
    await deployment.stop();
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  }, 180_000);
});
