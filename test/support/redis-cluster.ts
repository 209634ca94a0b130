import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deadlineIn, killProcess, redisCli, startRedisProcess, untilBy } from './redis-process.js';

/** How long {@link TestRedisCluster.start} may take by default: about 2 s alone, under 10 s at load 15 on 2 cores. */
export const CLUSTER_SETUP_BUDGET_MS = 45_000;

/**
 * A Redis Cluster of the test's own: `redis-server --cluster-enabled yes` processes on free ports (primaries
 * only), joined by `redis-cli --cluster create`, in a temporary directory. Ended by PID.
 */
export class TestRedisCluster {
  private constructor(readonly ports: number[], readonly dir: string, private readonly children: ChildProcess[]) {}

  /**
   * Starts `size` primaries (at least 3, as Redis Cluster asks) and waits until the cluster is ok. Each node
   * gets its port just before it starts, and another if that port or its cluster bus port (10000 higher) was
   * taken meanwhile.
   * @param budgetMs how long the whole start may take (default {@link CLUSTER_SETUP_BUDGET_MS})
   * @throws naming the step and the node it waited for when the budget runs out, or a node exits
   */
  static async start(size = 3, budgetMs = CLUSTER_SETUP_BUDGET_MS): Promise<TestRedisCluster> {
    if (spawnSync('redis-cli', ['--version']).error) throw new Error('redis-cli is not installed (.ci/run installs the Debian package `redis-server`, which brings it)');
    const deadline = deadlineIn(budgetMs);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-redis-cluster-'));
    const cluster = new TestRedisCluster([], dir, []);
    try {
      for (let i = 1; i <= size; i++) {
        const node = await startRedisProcess({
          what: `Redis Cluster node ${i}`,
          command: (port) => ['redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000', '--daemonize', 'no', '--loglevel', 'warning']],
          deadline,
        });
        cluster.ports.push(node.port);
        cluster.children.push(node.child);
      }
      const created = await createCluster(cluster.ports, Math.round(Math.max(1_000, deadline.at - performance.now())));
      if (created.failed) throw new Error(`redis-cli --cluster create failed: ${created.output}`);
      for (const port of cluster.ports) await untilBy(`the Redis Cluster node on ${port} saying cluster_state:ok`, deadline, async () => /cluster_state:ok/.test(await redisCli(port, 'CLUSTER', 'INFO')));
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
    await Promise.all(this.children.map(killProcess));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Runs `redis-cli --cluster create` over the nodes; `failed` when it exits non-zero or takes over `timeoutMs`. */
function createCluster(ports: number[], timeoutMs: number): Promise<{ failed: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ failed: error !== null, output: error?.killed ? `no answer within ${timeoutMs.toFixed(0)} ms` : stderr || stdout });
    });
  });
}
