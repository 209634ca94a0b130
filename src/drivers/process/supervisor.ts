import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Subject, type Observable } from 'rxjs';
import { HomeostatError } from '../../core/errors.js';
import type { EntityTree } from '../../core/entity-tree.js';
import { signalGroup } from '../../effectors/kinds/signal-group.js';
import { ManagedProcess } from './managed-process.js';
import { PidFiles, type PidRecord } from './pid-files.js';
import { isRunning, readProcStat } from './proc-fs.js';
import { makeDirectorySync } from '../../core/make-directory.js';

/** Something the process drivers did that an operator should hear about. */
export interface ProcessEvent {
  /** `unhealthy`: a running process failed its health check failureThreshold times in a row; `healthy`: it passes again. */
  readonly kind: 'spawned' | 'adopted' | 'cleaned' | 'exited' | 'stopped' | 'gone' | 'unhealthy' | 'healthy';
  readonly entity: string;
  readonly pid?: number;
  readonly message: string;
}

const events = new Subject<ProcessEvent>();

/** Every process event of every deployment in this process (the CLI logs them). */
export const processEvents$: Observable<ProcessEvent> = events.asObservable();

const supervisors = new WeakMap<EntityTree, ProcessSupervisor>();
const lockedDirs = new Set<string>();

/**
 * The processes of one deployment: its state directory (pid files, logs, a lock so that two homeostats
 * never manage the same processes), every process alive, and what a previous run left behind. When
 * homeostat exits without stopping them (a crash), a last-resort exit hook kills them.
 */
export class ProcessSupervisor {
  readonly pidFiles: PidFiles;
  readonly logDir: string;
  private readonly live = new Set<ManagedProcess>();
  private readonly stopping = new Set<Promise<unknown>>();
  private swept = false;
  private users = 0;
  private readonly onExit = (): void => {
    for (const p of this.live) signalGroup(p.pid, 'SIGKILL');
  };

  private constructor(readonly stateDir: string) {
    makeDirectorySync(stateDir);
    this.pidFiles = new PidFiles(stateDir);
    this.logDir = path.join(stateDir, 'logs');
  }

  /** The supervisor of a deployment's tree, created on first use. */
  static of(tree: EntityTree, stateDir: string): ProcessSupervisor {
    let supervisor = supervisors.get(tree);
    if (!supervisor) supervisors.set(tree, (supervisor = new ProcessSupervisor(path.resolve(stateDir))));
    return supervisor;
  }

  /** Announces an event. */
  report(event: ProcessEvent): void {
    events.next(event);
  }

  /** Tracks a live process until it ends. */
  track(process: ManagedProcess): void {
    this.live.add(process);
    void process.exited.then(() => this.live.delete(process));
  }

  /** Tracks a stop in flight, so that shutting down waits for it. */
  trackStop<T>(stop: Promise<T>): Promise<T> {
    this.stopping.add(stop);
    void stop.finally(() => this.stopping.delete(stop)).catch(() => undefined);
    return stop;
  }

  /** Resolves once every stop in flight has finished. */
  async idle(): Promise<void> {
    while (this.stopping.size > 0) await Promise.allSettled([...this.stopping]);
  }

  /**
   * Once per deployment: cleans what a previous run left for entities that are not in the tree any more
   * (their processes are stopped, their pid files removed). Members of a group still in the tree are the
   * group's to adopt.
   */
  sweep(tree: EntityTree, graceMs: number): void {
    if (this.swept) return;
    this.swept = true;
    for (const record of this.pidFiles.list()) {
      if (tree.find(record.entity) || (record.group !== undefined && tree.find(record.group))) continue;
      void this.trackStop(this.clean(record, graceMs, 'its entity is no longer in the blueprint'));
    }
  }

  /** Stops a leftover process (if it still runs and is the same one) and removes its pid file. */
  async clean(record: PidRecord, graceMs: number, why: string): Promise<void> {
    this.pidFiles.remove(record.entity);
    const leftover = ManagedProcess.adopt(record.pid, record.startTicks);
    if (!leftover) return;
    const how = await leftover.stop(graceMs);
    this.report({ kind: 'cleaned', entity: record.entity, pid: record.pid, message: `${record.entity}: stopped process ${record.pid} left by a previous run (${why}; ${how})` });
  }

  /**
   * Called by each entity that runs processes when it starts; the first takes the state directory's lock.
   * @throws HomeostatError E_STATE_DIR_LOCKED when another live homeostat holds it
   */
  acquire(): void {
    if (this.users++ > 0) return;
    try {
      this.lock();
    } catch (error) {
      this.users = 0;
      throw error;
    }
    process.on('exit', this.onExit);
  }

  /** Called by each such entity when it has stopped; the last one releases the lock. */
  release(): void {
    if (--this.users > 0) return;
    this.users = 0;
    process.off('exit', this.onExit);
    rmSync(path.join(this.stateDir, 'homeostat.pid'), { force: true });
    lockedDirs.delete(this.stateDir);
  }

  private lock(): void {
    const file = path.join(this.stateDir, 'homeostat.pid');
    let holder: number[] = [];
    try {
      holder = readFileSync(file, 'utf8').trim().split(' ').map(Number);
    } catch {
      holder = [];
    }
    const [pid, startTicks] = holder;
    const heldHere = lockedDirs.has(this.stateDir);
    if (heldHere || (pid !== undefined && pid !== process.pid && Number.isInteger(pid) && isRunning(pid, startTicks))) {
      throw new HomeostatError('E_STATE_DIR_LOCKED', `another homeostat (pid ${heldHere ? process.pid : pid}) manages the processes of ${this.stateDir}; stop it first or use another state directory`);
    }
    // the start time with the pid: a later process that happens to get the same pid does not hold the lock
    writeFileSync(file, `${process.pid} ${readProcStat(process.pid)?.startTicks ?? ''}`);
    lockedDirs.add(this.stateDir);
  }
}
