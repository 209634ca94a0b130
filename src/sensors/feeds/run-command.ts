import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { HomeostatError } from '../../core/errors.js';
import { spawnFailureReason } from '../../core/spawn-failure.js';
import { afterMs } from '../../core/wall-clock.js';

/** A command that failed: not started, non-zero exit, killed, or too much output. */
export class CommandFailedError extends HomeostatError {
  constructor(message: string) {
    super('E_COMMAND_FAILED', message, { retryable: true });
  }
}

/** How long the output of a command that exited may still drain while something outside its group holds the pipes. */
export const EXIT_DRAIN_MS = 200;

/** Options of `runCommand`. */
export interface RunCommandOptions {
  readonly signal: AbortSignal;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Most bytes of stdout kept; more fails the run. Default 1 MiB. */
  readonly maxOutputBytes?: number;
}

/**
 * Runs argv[0] with argv[1..] as its arguments: no shell, so no argument is ever interpreted. The child
 * runs in its own process group, and the whole group is killed with SIGKILL when the signal aborts (a
 * timeout) and once the command has exited, so nothing it started in its group outlives the read. A child
 * that left the group (`setsid`) is beyond reach: the pipes it holds open are let go `EXIT_DRAIN_MS` after
 * the command exits, so it does not hold the read up until the feed's timeout either.
 * @returns stdout
 * @throws CommandFailedError when it cannot start, exits non-zero, is killed, or writes too much
 */
export function runCommand(argv: readonly string[], options: RunCommandOptions): Promise<string> {
  const [command, ...args] = argv;
  const max = options.maxOutputBytes ?? 1 << 20;
  return new Promise((resolve, reject) => {
    if (command === undefined) return reject(new CommandFailedError('empty argv'));
    if (options.signal.aborted) return reject(options.signal.reason);
    const env = { ...process.env, ...options.env };
    const cannotStart = (error: NodeJS.ErrnoException): CommandFailedError =>
      new CommandFailedError(`cannot start ${command}: ${spawnFailureReason(error, { program: command, args, env, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) })}`);
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawn(command, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, shell: false });
    } catch (error) {
      // spawn throws at once for some failures (E2BIG: the arguments are too large) rather than emitting them
      return reject(cannotStart(error as NodeJS.ErrnoException));
    }
    const out: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: Error | undefined;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const kill = (reason: Error): void => {
      failure ??= reason;
      killGroup();
    };
    const onAbort = (): void => kill(options.signal.reason instanceof Error ? options.signal.reason : new CommandFailedError('aborted'));
    options.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) kill(new CommandFailedError(`${command} wrote more than ${max} bytes`));
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2_000) stderr += chunk.toString();
    });
    let settled = false;
    let cancelDrain = (): void => undefined;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      cancelDrain();
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      if (code !== 0) return reject(new CommandFailedError(`${command} ${signal ? `was killed by ${signal}` : `exited with ${code}`}${stderr ? `: ${stderr.trim().slice(0, 200)}` : ''}`));
      resolve(Buffer.concat(out).toString('utf8'));
    };
    child.once('error', (error) => kill(cannotStart(error as NodeJS.ErrnoException)));
    // what it started goes with it: a child that held the pipes open dies, and they close (then 'close');
    // one that left the group keeps them open, and is let go of after a moment for the output to drain
    child.once('exit', (code, signal) => {
      killGroup();
      cancelDrain = afterMs(EXIT_DRAIN_MS, () => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      });
    });
    child.once('close', finish);
  });
}
