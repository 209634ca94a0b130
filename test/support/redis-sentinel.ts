import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deadlineIn, killProcess, redisCli, startRedisProcess, untilBy, type RedisProcess } from './redis-process.js';
import { startSentinels, type SentinelSet } from './sentinel-set.js';

/**
 * Sentinel's down-after by default: well above its fixed 1 s reconnect period. At 1 s a Sentinel on a loaded
 * machine can take the replica it has just promoted for down and fail over a second time (two writable
 * primaries of its own, for seconds), which no test of homeostat means to exercise.
 */
export const SENTINEL_DOWN_AFTER_MS = 3_000;

/** How long {@link TestRedisSentinel.start} may take by default: it takes 2-3 s alone and under 10 s at load 15 on 2 cores. */
export const SENTINEL_SETUP_BUDGET_MS = 45_000;

/**
 * A Redis primary with replicas watched by three Sentinels, all of the test's own on free ports in a
 * temporary directory (never the machine's shared Redis). The primary can be killed (SIGKILL) so that the
 * Sentinels fail over to a replica. Ended by PID.
 */
export class TestRedisSentinel {
  readonly master = 'homeostat-test';
  /** The ports of the primary and its replicas, in the order they were started. */
  readonly dataPorts: number[] = [];
  /** The Redis processes still running, by port. */
  private readonly nodes = new Map<number, ChildProcess>();
  private sentinels: SentinelSet | undefined;

  private constructor(readonly dir: string) {}

  private addNode(node: RedisProcess): void {
    this.dataPorts.push(node.port);
    this.nodes.set(node.port, node.child);
  }

  /** The ports of the three Sentinels. */
  get sentinelPorts(): number[] {
    return this.sentinels?.ports ?? [];
  }

  /**
   * Starts a primary, `replicas` replicas and 3 Sentinels (quorum 2, down after `downAfterMs`), and returns once
   * the replicas are in sync and each Sentinel knows every replica and the two other Sentinels (so that a
   * failover can start as soon as the primary is down). Each process gets its port just before it starts,
   * and another if that port was taken meanwhile.
   * @param budgetMs how long the whole start may take (default {@link SENTINEL_SETUP_BUDGET_MS})
   * @throws naming the step and the process it waited for when the budget runs out, or a process exits
   */
  static async start(options: { replicas?: number; downAfterMs?: number; budgetMs?: number } = {}): Promise<TestRedisSentinel> {
    if (spawnSync('redis-server', ['--version']).error) throw new Error('redis-server is not installed (.ci/run installs the Debian packages `redis-server` and `redis-sentinel`)');
    const deadline = deadlineIn(options.budgetMs ?? SENTINEL_SETUP_BUDGET_MS);
    const setup = new TestRedisSentinel(await mkdtemp(path.join(os.tmpdir(), 'homeostat-sentinel-')));
    const { dir, master } = setup;
    const replicas = options.replicas ?? 2;
    try {
      // no wait for more replicas before a sync (Redis waits 5 s by default): they are all started at once
      const dataArgs = (port: number): string[] => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--daemonize', 'no', '--loglevel', 'warning'];
      const primary = await startRedisProcess({ what: 'Redis primary', command: (port) => ['redis-server', dataArgs(port)], deadline });
      setup.addNode(primary);
      for (let i = 1; i <= replicas; i++) {
        const replica = await startRedisProcess({ what: `Redis replica ${i}`, command: (port) => ['redis-server', [...dataArgs(port), '--replicaof', '127.0.0.1', String(primary.port)]], deadline });
        setup.addNode(replica);
      }
      for (const port of setup.dataPorts.slice(1)) await untilBy(`the replica on ${port} in sync with the primary on ${primary.port}`, deadline, async () => /master_link_status:up/.test(await redisCli(port, 'INFO', 'replication')));
      setup.sentinels = await startSentinels({ dir, master, primaryPort: primary.port, replicas, downAfterMs: options.downAfterMs ?? SENTINEL_DOWN_AFTER_MS, deadline });
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
    if (child) await killProcess(child);
    this.nodes.delete(port);
    return port;
  }

  /** Kills every process and removes the directory. */
  async dispose(): Promise<void> {
    await this.sentinels?.dispose();
    await Promise.all([...this.nodes.values()].map(killProcess));
    await rm(this.dir, { recursive: true, force: true });
  }
}

function cli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 2_000 }).stdout ?? '';
}
