import { interval, type Subscription } from 'rxjs';
import type { Entity } from '../../core/entity.js';
import { describeDuration } from '../../core/duration.js';
import { describeError } from '../../core/errors.js';
import type { DriverContext } from '../entity-type.js';
import { httpCheck, tcpCheck } from '../health-checks.js';
import { HealthVerdict } from '../health-verdict.js';
import { healthUrl, launchSpec, usesPort, type LaunchScope } from './launch.js';
import { ManagedProcess } from './managed-process.js';
import type { ProcessConfig } from './process-config.js';
import { CLOCK_TICKS_PER_SECOND, readProcStat, readRssBytes } from './proc-fs.js';
import { freePort, releaseSlot, slotOfMember } from './slots.js';
import type { ProcessSupervisor } from './supervisor.js';

/** A process's health check, as configured. */
type HealthConfig = NonNullable<ProcessConfig['health']>;

/**
 * Runs one `process` entity: starts or adopts its OS process, publishes its sensors (service.up from the
 * process and its health check, pid, CPU, RSS, exit code and signal), and does its lifecycle operations one
 * at a time. A process that exits on its own is reported (state on-fire, service.up false) for a restarter.
 */
export class ProcessRunner {
  private current: ManagedProcess | undefined;
  private scope: LaunchScope | undefined;
  private ops: Promise<unknown> = Promise.resolve();
  private readonly expected = new WeakSet<ManagedProcess>();
  private readonly subscriptions: Subscription[] = [];
  private checking = false;
  /** The current process went down on its health checks, or never passed them in time (so its recovery is worth a report). */
  private unhealthy = false;
  /** When the current process started (scheduler ms): its checks must pass within the start timeout. */
  private startedAt = 0;
  private disposed = false;
  private lastSample: { ticks: number; at: number } | undefined;
  private restarts = 0;
  private group: Entity | undefined;
  /** Up or down from the health checks of the current process (absent without a health check). */
  private readonly verdict: HealthVerdict | undefined;

  constructor(
    private readonly entity: Entity,
    private readonly config: ProcessConfig,
    private readonly context: DriverContext,
    private readonly supervisor: ProcessSupervisor,
  ) {
    const health = config.health;
    this.verdict = health === undefined ? undefined : new HealthVerdict(health.failureThreshold, health.successThreshold);
  }

  /** Starts (or adopts) the process and the health and sample timers. */
  begin(): void {
    this.group = slotOfMember(this.entity)?.group;
    this.entity.sensor('version').publish(this.config.version);
    this.entity.sensor('process.restarts').publish(0);
    const check = this.config.health;
    if (check) this.subscriptions.push(interval(check.every, this.context.scheduler).subscribe(() => void this.checkHealth()));
    this.subscriptions.push(interval(this.config.sampleEvery, this.context.scheduler).subscribe(() => this.sample()));
    void this.serial(() => this.boot()).catch((error: unknown) => this.failed(error));
  }

  /** Runs lifecycle operations one after the other. */
  serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.ops.then(op, op);
    this.ops = next.catch(() => undefined);
    return next;
  }

  /** The `start` effector: starts the process unless it runs. */
  async start(): Promise<{ pid: number }> {
    if (this.current?.running) return { pid: this.current.pid };
    return { pid: (await this.launch()).pid };
  }

  /** The `stop` effector: SIGTERM, then SIGKILL after the grace. */
  async stop(): Promise<{ stopped: number | undefined; how?: string }> {
    const proc = this.current;
    this.entity.setState('stopping');
    this.entity.setUp(false);
    const how = proc ? await this.halt(proc) : undefined;
    this.entity.setState('stopped');
    return { stopped: proc?.pid, ...(how ? { how } : {}) };
  }

  /** The `restart` effector. */
  async restart(): Promise<{ pid: number }> {
    if (this.current) await this.halt(this.current);
    this.entity.sensor('process.restarts').publish(++this.restarts);
    return { pid: (await this.launch()).pid };
  }

  /** The `update` effector: restart with another version. */
  async update(version: string): Promise<{ pid: number; version: string }> {
    this.entity.sensor('version').publish(version);
    return { ...(await this.restart()), version };
  }

  /** Stops timers and the process (the entity left the tree or homeostat stops). */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const s of this.subscriptions) s.unsubscribe();
    await this.serial(async () => {
      if (this.current) await this.halt(this.current);
    });
    if (this.group) releaseSlot(this.group, this.entity.id);
  }

  private version(): string {
    return this.entity.sensor<string>('version').value ?? this.config.version;
  }

  private async resolveScope(recordPort?: number): Promise<LaunchScope> {
    const slot = slotOfMember(this.entity);
    this.group ??= slot?.group;
    const port = this.config.port ?? slot?.port ?? recordPort ?? this.scope?.port ?? (usesPort(this.config) ? await freePort() : undefined);
    this.scope = { id: this.entity.id, version: this.version(), ...(slot === undefined ? {} : { index: slot.index }), ...(port === undefined ? {} : { port }) };
    if (port !== undefined) this.entity.sensor('process.port').publish(port);
    return this.scope;
  }

  /** At start: adopt what a previous run left when it is the same spec, else clean it; then start. */
  private async boot(): Promise<void> {
    this.entity.setState('starting');
    this.entity.setUp(false);
    const { pidFiles } = this.supervisor;
    const record = pidFiles.read(this.entity.id);
    if (record) {
      this.entity.sensor('version').publish(record.version);
      const scope = await this.resolveScope(record.port);
      const { hash } = launchSpec(this.config, scope, this.dirs());
      const leftover = ManagedProcess.adopt(record.pid, record.startTicks);
      if (!leftover) {
        pidFiles.remove(this.entity.id);
        this.supervisor.report({ kind: 'gone', entity: this.entity.id, pid: record.pid, message: `${this.entity.id}: process ${record.pid} of a previous run is gone; starting a new one` });
      } else if (this.config.onOrphan === 'adopt' && record.hash === hash) {
        this.attach(leftover);
        this.supervisor.report({ kind: 'adopted', entity: this.entity.id, pid: leftover.pid, message: `${this.entity.id}: adopted process ${leftover.pid} left running by a previous run` });
        return;
      } else {
        this.expected.add(leftover);
        await this.supervisor.clean(record, this.config.stopGrace, this.config.onOrphan === 'clean' ? 'onOrphan is clean' : 'it was started from another spec');
        this.entity.sensor('version').publish(this.config.version);
      }
    }
    await this.launch();
  }

  private async launch(): Promise<ManagedProcess> {
    if (this.disposed) throw new Error(`${this.entity.id} is stopping`);
    this.entity.setState('starting');
    this.entity.setUp(false);
    const scope = await this.resolveScope();
    const { spec, hash } = launchSpec(this.config, scope, this.dirs());
    const proc = await ManagedProcess.spawn(spec);
    this.supervisor.pidFiles.write({
      entity: this.entity.id,
      ...groupOf(this.entity),
      ...(scope.index === undefined ? {} : { index: scope.index }),
      ...(scope.port === undefined ? {} : { port: scope.port }),
      version: scope.version,
      pid: proc.pid,
      startTicks: proc.startTicks,
      hash,
      command: [spec.command, ...spec.args].join(' ').slice(0, 500),
      startedAt: performance.timeOrigin + performance.now(),
    });
    this.attach(proc);
    this.supervisor.report({ kind: 'spawned', entity: this.entity.id, pid: proc.pid, message: `${this.entity.id}: started ${spec.command} as process ${proc.pid}${scope.port === undefined ? '' : ` on port ${scope.port}`}` });
    return proc;
  }

  private attach(proc: ManagedProcess): void {
    this.current = proc;
    this.lastSample = undefined;
    this.supervisor.track(proc);
    this.entity.sensor('process.pid').publish(proc.pid);
    if (!this.verdict) {
      this.entity.setState('running');
      this.entity.setUp(true);
    } else {
      // a new process is judged afresh: down until its checks pass
      this.verdict.reset();
      this.unhealthy = false;
      this.startedAt = this.context.scheduler.now();
      void this.checkHealth();
    }
    void proc.exited.then((exit) => {
      if (this.expected.has(proc) || this.current !== proc) return;
      this.current = undefined;
      this.supervisor.pidFiles.remove(this.entity.id);
      if (exit.code !== null) this.entity.sensor('process.exit.code').publish(exit.code);
      if (exit.signal !== null) this.entity.sensor('process.exit.signal').publish(exit.signal);
      this.entity.setUp(false);
      if (!this.disposed) this.entity.setState('on-fire');
      const how = exit.signal ? `killed by ${exit.signal}` : exit.code === null ? 'ended' : `exited with ${exit.code}`;
      this.supervisor.report({ kind: 'exited', entity: this.entity.id, pid: proc.pid, message: `${this.entity.id}: process ${proc.pid} ${how}` });
    });
  }

  private async halt(proc: ManagedProcess): Promise<string> {
    // a process that already died on its own is reported by its exit handler, not as a stop
    const dead = !proc.running;
    if (!dead) this.expected.add(proc);
    this.entity.setUp(false);
    const how = dead ? 'exited' : await proc.stop(this.config.stopGrace);
    const exit = await proc.exited;
    if (this.current === proc) this.current = undefined;
    this.supervisor.pidFiles.remove(this.entity.id);
    if (dead) return how;
    if (exit.code !== null) this.entity.sensor('process.exit.code').publish(exit.code);
    if (exit.signal !== null) this.entity.sensor('process.exit.signal').publish(exit.signal);
    this.supervisor.report({ kind: 'stopped', entity: this.entity.id, pid: proc.pid, message: `${this.entity.id}: stopped process ${proc.pid} (${how === 'killed' ? `SIGKILL after ${this.config.stopGrace} ms of grace` : 'SIGTERM'})` });
    return how;
  }

  private async checkHealth(): Promise<void> {
    const proc = this.current;
    const health = this.config.health;
    const verdict = this.verdict;
    if (!proc || !health || !verdict || this.checking || !this.scope) return;
    this.checking = true;
    try {
      const url = healthUrl(this.config, this.scope);
      const port = this.scope.port;
      const ok = url !== undefined ? await httpCheck(url, health.timeout, health.status)() : port !== undefined ? await tcpCheck('127.0.0.1', port, health.timeout)() : false;
      // a failed check of a process that has died is left to its exit handler, which says how it ended
      if (this.current !== proc || this.expected.has(proc) || (!ok && !proc.running)) return;
      const turn = verdict.record(ok);
      // a process up at last runs, also after it was failed for passing too late
      if (verdict.up && (this.entity.state === 'starting' || (this.unhealthy && this.entity.state === 'on-fire'))) this.entity.setState('running');
      // the verdict is published at every check (a level, kept fresh), not only when it turns; the count
      // after it, so that whoever hears the count reads the verdict it led to
      this.entity.setUp(verdict.up);
      this.entity.sensor('process.health.failures').publish(verdict.failures);
      const target = url ?? `tcp 127.0.0.1:${port ?? '?'}`;
      if (turn !== undefined) this.reportTurn(proc, turn, health, target);
      else if (!verdict.up && this.entity.state === 'starting' && this.context.scheduler.now() - this.startedAt >= health.startTimeout) this.startOverdue(proc, health, target);
    } finally {
      this.checking = false;
    }
  }

  /** Tells the operator that a running process went down on its health checks, or came back up after that. */
  private reportTurn(proc: ManagedProcess, turn: 'up' | 'down', health: HealthConfig, target: string): void {
    if (turn === 'down') {
      this.unhealthy = true;
      this.supervisor.report({ kind: 'unhealthy', entity: this.entity.id, pid: proc.pid, message: `${this.entity.id}: process ${proc.pid} is down: ${health.failureThreshold} health checks failed in a row (${target}, timeout ${health.timeout} ms)` });
    } else if (this.unhealthy) {
      this.unhealthy = false;
      this.supervisor.report({ kind: 'healthy', entity: this.entity.id, pid: proc.pid, message: `${this.entity.id}: process ${proc.pid} is up again: ${health.successThreshold} health check${health.successThreshold === 1 ? '' : 's'} passed (${target})` });
    }
  }

  /**
   * A process still starting after the start timeout is failed: left starting, no restarter would ever act on
   * it (they leave booting entities alone), and nobody would hear of it.
   */
  private startOverdue(proc: ManagedProcess, health: HealthConfig, target: string): void {
    this.unhealthy = true;
    this.entity.setState('on-fire');
    this.supervisor.report({ kind: 'unhealthy', entity: this.entity.id, pid: proc.pid, message: `${this.entity.id}: process ${proc.pid} did not pass its health check within ${describeDuration(health.startTimeout)} of starting (${target}): failed, though it runs` });
  }

  private sample(): void {
    const proc = this.current;
    if (!proc) return;
    const stat = readProcStat(proc.pid);
    const rss = readRssBytes(proc.pid);
    if (!stat || rss === undefined) return;
    const now = this.context.scheduler.now();
    if (this.lastSample && now > this.lastSample.at) {
      const cpu = (stat.cpuTicks - this.lastSample.ticks) / CLOCK_TICKS_PER_SECOND / ((now - this.lastSample.at) / 1000);
      this.entity.sensor('process.cpu').publish(Math.max(0, cpu));
    }
    this.lastSample = { ticks: stat.cpuTicks, at: now };
    this.entity.sensor('process.rss').publish(rss);
  }

  private failed(error: unknown): void {
    this.entity.setUp(false);
    this.entity.setState('on-fire');
    this.supervisor.report({ kind: 'exited', entity: this.entity.id, message: `${this.entity.id}: cannot start: ${describeError(error)}` });
  }

  private dirs(): { baseDir: string; logDir: string } {
    return { baseDir: this.context.baseDir ?? process.cwd(), logDir: this.supervisor.logDir };
  }
}

function groupOf(entity: Entity): { group?: string } {
  const group = entity.groups[0];
  return group === undefined ? {} : { group: group.id };
}
