import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

/** Debian's `redis-sentinel`, else `redis-server --sentinel` (the same program in sentinel mode). */
function sentinelCommand(config: string): [string, string[]] {
  return spawnSync('redis-sentinel', ['--version']).error ? ['redis-server', [config, '--sentinel']] : ['redis-sentinel', [config]];
}

/**
 * A Redis primary with replicas watched by three Sentinels, all of the test's own on free ports in a
 * temporary directory (never the machine's shared Redis). The primary can be killed (SIGKILL) so that the
 * Sentinels fail over to a replica. Ended by PID.
 */
export class TestRedisSentinel {
  readonly master = 'homeostat-test';
  private readonly nodes = new Map<number, ChildProcess>();
  private readonly sentinels: ChildProcess[] = [];

  private constructor(readonly dir: string, readonly dataPorts: number[], readonly sentinelPorts: number[]) {}

  /** Starts a primary, `replicas` replicas and 3 Sentinels (quorum 2, down after `downAfterMs`). */
  static async start(options: { replicas?: number; downAfterMs?: number } = {}): Promise<TestRedisSentinel> {
    if (spawnSync('redis-server', ['--version']).error) throw new Error('redis-server is not installed (.ci/run installs the Debian packages `redis-server` and `redis-sentinel`)');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-sentinel-'));
    const dataPorts: number[] = [];
    for (let i = 0; i <= (options.replicas ?? 2); i++) dataPorts.push(await freePort());
    const sentinelPorts = [await freePort(), await freePort(), await freePort()];
    const setup = new TestRedisSentinel(dir, dataPorts, sentinelPorts);
    try {
      for (const [i, port] of dataPorts.entries()) {
        const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
        if (i > 0) args.push('--replicaof', '127.0.0.1', String(dataPorts[0]));
        setup.nodes.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
      }
      for (const port of dataPorts) await until(`redis on ${port}`, () => /PONG/.test(cli(port, 'PING')));
      for (const port of dataPorts.slice(1)) await until(`replica on ${port} in sync`, () => /master_link_status:up/.test(cli(port, 'INFO', 'replication')));
      for (const port of sentinelPorts) {
        const config = path.join(dir, `sentinel-${port}.conf`);
        await writeFile(config, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${setup.master} 127.0.0.1 ${dataPorts[0]} 2`, `sentinel down-after-milliseconds ${setup.master} ${options.downAfterMs ?? 1_000}`, `sentinel failover-timeout ${setup.master} 10000`, `sentinel parallel-syncs ${setup.master} 1`, ''].join('\n'));
        const [command, args] = sentinelCommand(config);
        setup.sentinels.push(spawn(command, args, { stdio: 'ignore' }));
      }
      for (const port of sentinelPorts) await until(`sentinel on ${port} sees the replicas`, () => new RegExp(`num-slaves\\n${dataPorts.length - 1}\\b`).test(cli(port, 'SENTINEL', 'MASTER', setup.master)));
    } catch (error) {
      await setup.dispose();
      throw error;
    }
    return setup;
  }

  /** `redis+sentinel://` URL naming the three Sentinels and the primary's name. */
  get url(): string {
    return `redis+sentinel://${this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${this.master}`;
  }

  /** The port of the primary as the Sentinels name it now. */
  primaryPort(): number {
    return Number(cli(this.sentinelPorts[0] as number, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.master).split('\n')[1]);
  }

  /** Kills the current primary (SIGKILL) and returns its port. */
  async killPrimary(): Promise<number> {
    const port = this.primaryPort();
    const child = this.nodes.get(port);
    if (child) await kill(child);
    this.nodes.delete(port);
    return port;
  }

  /** Kills every process and removes the directory. */
  async dispose(): Promise<void> {
    await Promise.all([...this.nodes.values(), ...this.sentinels].map(kill));
    await rm(this.dir, { recursive: true, force: true });
  }
}

function cli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 2_000 }).stdout ?? '';
}

async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function kill(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const ended = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  return ended;
}
