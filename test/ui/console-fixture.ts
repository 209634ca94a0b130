import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../support/free-port.js';

export const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/homeostat.js');

/** The tokens the browser tests log in with (HOMEOSTAT_TOKENS of the server they start). */
export const TOKENS = {
  viewer: 'viewer-token-0123456789',
  operator: 'operator-token-0123456789',
  scoped: 'scoped-operator-token-0123',
  admin: 'admin-token-0123456789ab',
} as const;

const tokenConfig = [
  { token: TOKENS.viewer, name: 'vera', role: 'viewer' },
  { token: TOKENS.operator, name: 'otto', role: 'operator' },
  { token: TOKENS.scoped, name: 'sam', role: 'operator', scope: 'api' },
  { token: TOKENS.admin, name: 'ada', role: 'admin' },
];

/** Builds the console's assets when this checkout has none yet (a fresh clone before `npm run build`). */
export function ensureConsoleBuilt(): void {
  if (existsSync(path.join(root, 'dist/ui/main.js')) && existsSync(path.join(root, 'dist/ui/index.html'))) return;
  const result = spawnSync(process.execPath, [path.join(root, 'ui/build.mjs'), '--quiet'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the console failed: ${result.stderr}`);
}

/** A real `homeostat run --port` of a blueprint, on a free port, with the test tokens. */
export interface RunningServer {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `homeostat run <blueprint> --port <free>` and resolves once its HTTP API listens. */
export async function startServer(blueprint: string): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'run', blueprint, '--port', String(port), '--log-format', 'json'], {
    cwd: root,
    env: { ...process.env, HOMEOSTAT_TOKENS: JSON.stringify(tokenConfig) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`homeostat run did not listen within 30 s:\n${output}`)), 30_000);
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('HTTP API on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`homeostat run exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    }),
  };
}

/** Chromium from the Debian package (never a downloaded browser). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium' });
}

/** The API as a test client (to check what the console shows against what the server holds). */
export async function apiGet<T>(server: RunningServer, token: string, pathname: string): Promise<T> {
  const response = await fetch(`${server.url}${pathname}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Opens the console in a fresh page (its own sessionStorage) and logs in with the token. */
export async function logIn(browser: Browser, server: Pick<RunningServer, 'url'>, token: string, viewport = { width: 1366, height: 768 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => message.type() === 'error' && !message.text().includes('status of 40') && problems.push(message.text()));
  (page as Page & { problems?: string[] }).problems = problems;
  await page.goto(`${server.url}/ui`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('who').waitFor();
  return page;
}

/** Errors the page threw or logged (other than the refusals the role probe expects). */
export function pageProblems(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}
