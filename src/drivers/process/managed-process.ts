import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { HomeostatError } from '../../core/errors.js';
import { terminateGroup } from '../../effectors/kinds/signal-group.js';
import { isRunning, readProcStat } from './proc-fs.js';
import { makeDirectorySync } from '../../core/make-directory.js';

/** How a process ended: its exit code or the signal that killed it (both unknown for an adopted one). */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: string | null;
}

/** What to start. */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Files that receive stdout and stderr (appended). */
  readonly stdoutFile: string;
  readonly stderrFile: string;
}

/** How often an adopted process (not our child: no exit event) is checked for life, in ms. */
const ADOPTED_POLL_MS = 200;

/**
 * One OS process homeostat runs: spawned as the leader of its own process group (so a stop reaches every
 * process it started), with output appended to log files; or adopted from a previous run by pid.
 */
export class ManagedProcess {
  private constructor(
    readonly pid: number,
    readonly startTicks: number,
    readonly adopted: boolean,
    /** Resolves when the process has ended. */
    readonly exited: Promise<ProcessExit>,
  ) {}

  /**
   * Starts a process; resolves once the OS has started it.
   * @throws HomeostatError E_PROCESS_SPAWN when it cannot start (no such program, not executable, bad cwd)
   */
  static async spawn(spec: LaunchSpec): Promise<ManagedProcess> {
    makeDirectorySync(path.dirname(spec.stdoutFile));
    const out = openSync(spec.stdoutFile, 'a');
    const err = openSync(spec.stderrFile, 'a');
    try {
      const child = spawn(spec.command, [...spec.args], { cwd: spec.cwd, env: { ...spec.env }, stdio: ['ignore', out, err], detached: true, shell: false });
      const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (error: NodeJS.ErrnoException) => reject(new HomeostatError('E_PROCESS_SPAWN', `cannot start ${spec.command}: ${error.code ?? error.message}`, { retryable: error.code === 'EAGAIN' })));
      });
      const pid = child.pid as number;
      return new ManagedProcess(pid, readProcStat(pid)?.startTicks ?? 0, false, exited);
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  /** Takes over a process a previous run started; undefined when it is no longer that process. */
  static adopt(pid: number, startTicks: number): ManagedProcess | undefined {
    if (!isRunning(pid, startTicks)) return undefined;
    const exited = new Promise<ProcessExit>((resolve) => {
      const timer = setInterval(() => {
        if (isRunning(pid, startTicks)) return;
        clearInterval(timer);
        resolve({ code: null, signal: null });
      }, ADOPTED_POLL_MS);
    });
    return new ManagedProcess(pid, startTicks, true, exited);
  }

  /** True until the process has ended. */
  get running(): boolean {
    return isRunning(this.pid, this.startTicks);
  }

  /** SIGTERM to its group, SIGKILL after `graceMs`; resolves once it has ended. */
  stop(graceMs: number): Promise<'terminated' | 'killed'> {
    return terminateGroup(this.pid, graceMs, this.exited);
  }
}
