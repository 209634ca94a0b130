import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

/**
 * A Redis Cluster of the test's own: `redis-server --cluster-enabled yes` processes on free ports (primaries
 * only), joined by `redis-cli --cluster create`, in a temporary directory. Ended by PID.
 */
export class TestRedisCluster {
  private constructor(readonly ports: number[], readonly dir: string, private readonly children: ChildProcess[]) {}

  /** Starts `size` primaries (at least 3, as Redis Cluster asks) and waits until the cluster is ok. */
  static async start(size = 3): Promise<TestRedisCluster> {
    if (spawnSync('redis-cli', ['--version']).error) throw new Error('redis-cli is not installed (.ci/run installs the Debian package `redis-server`, which brings it)');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-redis-cluster-'));
    const ports: number[] = [];
    const children: ChildProcess[] = [];
    for (let i = 0; i < size; i++) {
      const port = await freePort();
      ports.push(port);
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000', '--daemonize', 'no', '--loglevel', 'warning'];
      children.push(spawn('redis-server', args, { stdio: 'ignore' }));
    }
    const cluster = new TestRedisCluster(ports, dir, children);
    try {
      for (const port of ports) await cluster.untilAnswers(port, 'PING', /PONG/);
      const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
      if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
      for (const port of ports) await cluster.untilAnswers(port, 'CLUSTER INFO', /cluster_state:ok/);
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
    return cluster;
  }

  /** `redis+cluster://` URL naming every node. */
  get url(): string {
    return `redis+cluster://${this.ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  }

  /** How many keys each node holds (DBSIZE), by port. */
  keysPerNode(): Map<number, number> {
    return new Map(this.ports.map((port) => [port, Number(spawnSync('redis-cli', ['-p', String(port), 'DBSIZE'], { encoding: 'utf8' }).stdout.trim())]));
  }

  /** Kills every node and removes the directory. */
  async dispose(): Promise<void> {
    await Promise.all(
      this.children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const ended = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        return ended;
      }),
    );
    await rm(this.dir, { recursive: true, force: true });
  }

  private async untilAnswers(port: number, command: string, expected: RegExp): Promise<void> {
    const deadline = performance.now() + 20_000;
    for (;;) {
      const reply = spawnSync('redis-cli', ['-p', String(port), ...command.split(' ')], { encoding: 'utf8', timeout: 2_000 });
      if (expected.test(reply.stdout ?? '')) return;
      if (performance.now() > deadline) throw new Error(`redis node on ${port} did not answer ${command} with ${expected}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
