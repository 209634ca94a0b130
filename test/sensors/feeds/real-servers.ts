// Real servers for feed tests: Prometheus (and Alertmanager) from the Debian packages, each started on a free
// port with its own config and data dir and stopped by PID; and a small HTTP server exposing metrics.
import { freePort } from '../../support/free-port.js';
import { until } from '../../support/until.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';

/** A started server process. */
export interface RealServer {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGTERM by PID, and waits for the exit. */
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** Throws a clear error when a Debian package's binary is missing. */
export function requireBinary(binary: string, pkg: string): void {
  if (spawnSync(binary, ['--version']).error) throw new Error(`${binary} is not installed (.ci/run installs the Debian package \`${pkg}\`)`);
}

/** Starts Prometheus scraping `targets` every second, with optional rules and an Alertmanager to send to. */
export async function startPrometheus(options: { targets: string[]; rules?: string; alertmanager?: string; basicAuth?: { user: string; password: string; bcrypt: string } }): Promise<RealServer> {
  requireBinary('prometheus', 'prometheus');
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-feeds-prometheus-'));
  let config = `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: [${options.targets.map((t) => `'${t}'`).join(', ')}]\n`;
  if (options.rules !== undefined) {
    await writeFile(path.join(dir, 'rules.yml'), options.rules);
    config += `rule_files: ['${path.join(dir, 'rules.yml')}']\n`;
  }
  if (options.alertmanager) config += `alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['${options.alertmanager}']\n`;
  await writeFile(path.join(dir, 'prometheus.yml'), config);
  const web: string[] = [];
  const headers: Record<string, string> = {};
  if (options.basicAuth) {
    await writeFile(path.join(dir, 'web.yml'), `basic_auth_users:\n  ${options.basicAuth.user}: '${options.basicAuth.bcrypt}'\n`);
    web.push(`--web.config.file=${path.join(dir, 'web.yml')}`);
    headers['authorization'] = `Basic ${Buffer.from(`${options.basicAuth.user}:${options.basicAuth.password}`).toString('base64')}`;
  }
  const child = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', ...web], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await until('prometheus ready', 30_000, async () => ((await fetch(`${url}/-/ready`, { headers })).ok ? true : undefined));
  return { port, url, child, stop: () => stopChild(child) };
}

/** Starts Alertmanager with a webhook receiver, grouping and repeating fast (tests wait seconds, not minutes). */
export async function startAlertmanager(webhook: { url: string; token: string }): Promise<RealServer> {
  requireBinary('prometheus-alertmanager', 'prometheus-alertmanager');
  const port = await freePort();
  const cluster = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-feeds-alertmanager-'));
  await writeFile(path.join(dir, 'alertmanager.yml'), [
    'route:', '  receiver: homeostat', '  group_by: [alertname, entity]', '  group_wait: 1s', '  group_interval: 1s', '  repeat_interval: 1h',
    'receivers:', '  - name: homeostat', '    webhook_configs:', `      - url: '${webhook.url}'`, '        send_resolved: true',
    '        http_config:', '          authorization:', `            credentials: '${webhook.token}'`, '',
  ].join('\n'));
  const child = spawn('prometheus-alertmanager', [`--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, `--cluster.listen-address=127.0.0.1:${cluster}`, '--log.level=warn'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await until('alertmanager ready', 30_000, async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined));
  return { port, url, child, stop: () => stopChild(child) };
}

/** A local HTTP server; its handler can be swapped while it runs. */
export async function startHttp(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; url: string; close(): Promise<void>; set(h: typeof handler): void }> {
  let current = handler;
  const server = createHttpServer((req, res) => current(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    set: (h) => (current = h),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export { freePort, until };
