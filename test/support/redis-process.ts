import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.js';

/** How much of a process's log is kept for a failure message (characters). */
const LOG_TAIL_CHARS = 2_000;

/** What a process that could not take its port writes before it exits (taken, or too high for a cluster bus). */
const PORT_REFUSED = /address already in use|port number too high/i;

/** A redis-server (or Sentinel) of the test's own, answering on `port` as the process `child`. */
export interface RedisProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** The end of what the process logged (stdout and stderr). */
  readonly log: () => string;
}

/** A point on the `performance.now()` clock that several steps of one setup share, with the budget it came from. */
export interface SetupDeadline {
  readonly at: number;
  readonly budgetMs: number;
}

/** A deadline `budgetMs` from now. */
export function deadlineIn(budgetMs: number): SetupDeadline {
  return { at: performance.now() + budgetMs, budgetMs };
}

/** Options of {@link startRedisProcess}. */
export interface StartRedisProcessOptions {
  /** Names the process in errors, e.g. `'Sentinel 2'`. */
  readonly what: string;
  /** The program and its arguments for a port. */
  readonly command: (port: number) => [string, string[]];
  /** When to give up waiting for the process to answer. */
  readonly deadline: SetupDeadline;
  /** Picks a port (default: one the OS says is free now). */
  readonly pickPort?: () => Promise<number>;
  /** How many ports to try when the one picked is taken before the process binds it (default 5). */
  readonly attempts?: number;
}

/**
 * Starts a Redis process on a port picked just before, and waits until the server answering there is this
 * process (its `INFO server` names the child's PID): a port is free when picked, but another test's process can
 * bind it before this one does, and then a PING alone would be answered by that process. When this process
 * exits because its port is taken, it is started again on another port.
 * @throws naming the process, its port and the end of its log when it exits for another reason, when every
 *   port tried was taken, or when it does not answer by the deadline (it is killed then)
 */
export async function startRedisProcess(options: StartRedisProcessOptions): Promise<RedisProcess> {
  const attempts = options.attempts ?? 5;
  const refused: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = await (options.pickPort ?? freePort)();
    const started = await startOnce(options, port);
    if (started.kind === 'answering') return started.process;
    refused.push(`${port} (${started.reason})`);
  }
  throw new Error(`${options.what} did not start: the ports tried were taken before it bound them: ${refused.join(', ')}`);
}

type Attempt = { kind: 'answering'; process: RedisProcess } | { kind: 'port taken'; reason: string };

async function startOnce(options: StartRedisProcessOptions, port: number): Promise<Attempt> {
  const [program, args] = options.command(port);
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: string): void => void (log = (log + chunk).slice(-LOG_TAIL_CHARS));
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  let failed: Error | undefined;
  child.once('error', (error) => (failed = error));
  // 'close' comes after the last of its output: what it logged before it exited is all in `log` then
  const closed = new Promise((resolve) => child.once('close', resolve));
  const started: RedisProcess = { child, port, log: () => log };
  for (;;) {
    if (failed) throw new Error(`${options.what} (${program}) could not be started: ${failed.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      await closed;
      if (PORT_REFUSED.test(log)) return { kind: 'port taken', reason: lastLine(log) };
      throw new Error(`${options.what} on port ${port} exited (${child.exitCode ?? child.signalCode}) before it answered; its log ends: ${log.trim() || '(nothing)'}`);
    }
    const pid = await answeringPid(port);
    if (pid === child.pid) return { kind: 'answering', process: started };
    if (pid !== undefined) {
      await killProcess(child);
      return { kind: 'port taken', reason: `another server, PID ${pid}, answers there` };
    }
    if (performance.now() > options.deadline.at) {
      await killProcess(child);
      throw new Error(`${options.what} on port ${port} did not answer within the setup's ${options.deadline.budgetMs} ms; its log ends: ${log.trim() || '(nothing)'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The PID the Redis server on `port` names in `INFO server`, or undefined while nothing answers. */
async function answeringPid(port: number): Promise<number | undefined> {
  const reply = await redisCli(port, 'INFO', 'server');
  const pid = /process_id:(\d+)/.exec(reply)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/** Runs `redis-cli -p port ...args` and resolves with its output ('' when it fails or takes over 2 s). */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 2_000 }, (_error, stdout) => resolve(stdout ?? ''));
  });
}

/**
 * Polls `condition` every 100 ms until it holds.
 * @throws naming `what` and the budget of the setup when the deadline passes first
 */
export async function untilBy(what: string, deadline: SetupDeadline, condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) {
    if (performance.now() > deadline.at) throw new Error(`waited for ${what} until the setup's budget of ${deadline.budgetMs} ms ran out`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Kills a process (SIGKILL, after SIGCONT in case it is paused) and waits for it to end. */
export function killProcess(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const ended = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGCONT');
  child.kill('SIGKILL');
  return ended;
}

function lastLine(log: string): string {
  return log.trim().split('\n').filter((line) => PORT_REFUSED.test(line)).pop()?.trim() ?? 'its port was refused';
}
