// A `homeostat` command run as a real process, with its output collected and waited on line by line.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** How a process ended. */
export interface ProcessEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running command: its output so far, and promises of what it prints and of its end. */
export interface CommandProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout / stderr so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /**
   * Resolves with the first complete line of `stream` that `matches` (lines already written count), rejects
   * when the process ends first or after `timeoutMs` (the process is then killed).
   */
  lineOf(stream: 'stdout' | 'stderr', matches: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with how the process ended; after `timeoutMs` kills it (SIGKILL) and rejects. */
  ended(timeoutMs?: number): Promise<ProcessEnd>;
}

/** Starts `node [nodeArgs] bin args` in `cwd`, stdin closed, stdout and stderr piped; `env` adds to this process's. */
export function startCommand(bin: string, args: readonly string[], options: { readonly cwd: string; readonly nodeArgs?: readonly string[]; readonly env?: Readonly<Record<string, string>> }): CommandProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], { cwd: options.cwd, stdio: 'pipe', env: { ...process.env, NO_COLOR: '1', ...options.env } });
  child.stdin.end();
  const text = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (text.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text.stderr += chunk.toString()));
  // a pipe whose reader the test destroyed reports nothing more
  child.stdout.on('error', () => undefined);
  const end = new Promise<ProcessEnd>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // after the exit, once its pipes have delivered everything
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  /** Rejects after `timeoutMs`, killing the child so that no process outlives the test. */
  const guard = <T>(what: string, timeoutMs: number, waited: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${what} within ${timeoutMs} ms; stdout: ${text.stdout.slice(-2000)} stderr: ${text.stderr.slice(-2000)}`));
      }, timeoutMs);
    });
    return Promise.race([waited, expired]).finally(() => clearTimeout(timer));
  };

  const lineOf = (stream: 'stdout' | 'stderr', matches: (line: string) => boolean, timeoutMs = 30_000): Promise<string> => {
    const found = (): string | undefined => text[stream].split('\n').slice(0, -1).find(matches);
    const waited = new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const line = found();
        if (line === undefined) return;
        child[stream].off('data', check);
        resolve(line);
      };
      // after the collector above, so the chunk is already in the text
      child[stream].on('data', check);
      void closed.then(() => {
        check();
        reject(new Error(`the process ended (${JSON.stringify(child.exitCode ?? child.signalCode)}) before printing the line; stdout: ${text.stdout.slice(-2000)} stderr: ${text.stderr.slice(-2000)}`));
      });
      check();
    });
    return guard(`no such line on ${stream}`, timeoutMs, waited);
  };

  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    lineOf,
    ended: (timeoutMs = 30_000) => guard('the process did not end', timeoutMs, end),
  };
}
