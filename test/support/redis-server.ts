import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

/**
 * A redis-server of the test's own on a free port, in a temporary directory: never the machine's shared
 * Redis on 6379. It can be killed, paused and restarted (same port and data directory) by the test, and is
 * ended by PID.
 */
export class TestRedisServer {
  private child: ChildProcess | undefined;
  private disposed = false;

  private constructor(readonly port: number, readonly dir: string, private readonly persistent: boolean) {}

  /**
   * Starts one. `persistent`: an append-only file is kept, so a restart comes back with the data (otherwise
   * a restart comes back empty, as after a crash without persistence).
   * @throws when redis-server is not installed (.ci/run installs Debian's `redis-server`)
   */
  static async start(options: { persistent?: boolean } = {}): Promise<TestRedisServer> {
    if (spawnSync('redis-server', ['--version']).error) throw new Error('redis-server is not installed (.ci/run installs the Debian package `redis-server`)');
    const server = new TestRedisServer(await freePort(), await mkdtemp(path.join(os.tmpdir(), 'homeostat-redis-')), options.persistent ?? false);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Starts (again) on the same port and directory, and waits until it accepts connections.
   * @throws once disposed: a test body that goes on after its cleanup (vitest timed it out) must not start a
   *   server nobody stops; one that was starting when it was disposed is killed
   */
  async restart(): Promise<void> {
    if (this.child) await this.stop();
    if (this.disposed) throw new Error(`redis-server on port ${this.port} is not restarted: it was disposed`);
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', this.persistent ? 'yes' : 'no', '--appendfsync', 'always', '--daemonize', 'no', '--loglevel', 'warning'];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    const deadline = performance.now() + 10_000;
    while (!(await this.accepts())) {
      if (this.disposed) break;
      if (child.exitCode !== null || performance.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (this.disposed) {
      // disposed while it started: dispose found no process to stop, so this one is stopped here
      this.child = child;
      await this.stop();
      throw new Error(`redis-server on port ${this.port} was disposed while it started, and is stopped`);
    }
  }

  /** Pauses the process (SIGSTOP): it holds its connections but answers nothing. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Resumes a paused process (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kills the process (SIGKILL) and waits for it to end. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const ended = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await ended;
  }

  /** Stops it and removes its directory. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  private accepts(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }
}
