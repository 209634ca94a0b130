import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
/** The output kept of a run (characters, the newest): enough to say why a stop or a wait failed. */
const KEPT_OUTPUT = 64 * 1024;

/** A `homeostat run` process a test started, with what it printed (stdout and stderr, read as it comes). */
export interface CliRun {
  readonly child: ChildProcess;
  /** The newest 64 KiB of what it printed. */
  output(): string;
  /**
   * Sends SIGTERM and resolves with the exit code; past `boundMs` the process is killed (SIGKILL) and the stop
   * fails, with the end of its output in the message.
   */
  stop(boundMs?: number): Promise<number | null>;
}

/**
 * Starts `homeostat run <args>` from the project's root, reading its output as it comes (a pipe nobody reads
 * fills and holds the process's writes).
 */
export function startRun(args: readonly string[], env: NodeJS.ProcessEnv = process.env): CliRun {
  const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    child,
    output: () => output,
    async stop(boundMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), boundMs)));
      const result = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (result === 'late') {
        child.kill('SIGKILL');
        throw new Error(`homeostat run ${args.join(' ')} did not stop within ${boundMs} ms of SIGTERM; its output ended with:\n${output.slice(-4000)}`);
      }
      return result[0];
    },
  };
}
