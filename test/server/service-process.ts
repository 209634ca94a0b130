import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** A running `homeostat run` process and what it printed. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Every address it logged; `url` is the loopback one to call. */
  readonly url: string;
  readonly urls: string[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first line of stdout that contains `text`, once it has been printed. */
  untilLogged(text: string): Promise<string>;
  /** Resolves when the process has exited, with its code and the wall-clock time of the exit (ms). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** The admin token the process tests configure. */
export const ADMIN_TOKEN = 'process-admin-token-0000';

/**
 * Starts `homeostat run <blueprint> --port 0 ...` as a real process and resolves once it logged where it
 * listens; rejects with what it printed when it exits first.
 */
export function startService(args: readonly string[], env: Record<string, string> = { HOMEOSTAT_TOKENS: JSON.stringify([{ token: ADMIN_TOKEN, name: 'root', role: 'admin' }]) }): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', 'test/server/fixtures/service.yaml', '--port', '0', ...args], {
    cwd: root,
    env: { ...process.env, OTEL_SDK_DISABLED: 'true', ...env },
  });
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"urls"'));
      if (!line) return;
      const urls = (JSON.parse(line) as { urls: string[] }).urls;
      const port = new URL(urls[0] as string).port;
      const untilLogged = (text: string): Promise<string> =>
        new Promise((found) => {
          const look = (): boolean => {
            const logged = out.split('\n').find((l) => l.includes(text) && out.includes(`${l}\n`));
            if (logged !== undefined) found(logged);
            return logged !== undefined;
          };
          if (look()) return;
          const onData = (): void => void (look() && child.stdout?.off('data', onData));
          child.stdout?.on('data', onData);
        });
      resolve({ child, url: `http://127.0.0.1:${port}`, urls, stdout: () => out, stderr: () => err, untilLogged, exited });
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    void exited.then((e) => reject(new Error(`homeostat exited (${e.code}) before serving: ${err}${out}`)));
  });
}

/** Runs `homeostat run` expecting it to exit by itself (a refused start), with what it printed. */
export function runToExit(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', 'test/server/fixtures/service.yaml', ...args], { cwd: root, env: { ...process.env, OTEL_SDK_DISABLED: 'true', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
