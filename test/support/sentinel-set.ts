import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { killProcess, redisCli, startRedisProcess, untilBy, type RedisProcess, type SetupDeadline } from './redis-process.js';

/** Debian's `redis-sentinel`, else `redis-server --sentinel` (the same program in sentinel mode). */
function sentinelCommand(config: string): [string, string[]] {
  return spawnSync('redis-sentinel', ['--version']).error ? ['redis-server', [config, '--sentinel']] : ['redis-sentinel', [config]];
}

/** Options of {@link startSentinels}. */
export interface SentinelSetOptions {
  /** Directory for the Sentinels' config files (they rewrite them). */
  readonly dir: string;
  /** The name the Sentinels give the primary. */
  readonly master: string;
  /** Port of the primary on 127.0.0.1. */
  readonly primaryPort: number;
  /** How many replicas each Sentinel must know before the set counts as ready. */
  readonly replicas: number;
  /** `down-after-milliseconds` (default 1 s). */
  readonly downAfterMs?: number;
  /** `failover-timeout` (default 10 s). */
  readonly failoverTimeoutMs?: number;
  /** How many Sentinels (default 3); the quorum is a majority of them. */
  readonly count?: number;
  readonly deadline: SetupDeadline;
}

/** One event a Sentinel published on its own pub/sub channels (`+switch-master`, `+promoted-slave`, ...). */
export interface SentinelEvent {
  /** `performance.now()` when it arrived. */
  readonly at: number;
  /** `Date.now()` when it arrived (the clock of homeostat's records in a real-time deployment). */
  readonly wallAt: number;
  /** Port of the Sentinel that published it. */
  readonly sentinel: number;
  readonly channel: string;
  readonly message: string;
}

/**
 * Sentinels of the test's own on free ports, watching a primary that is already running (quorum a majority).
 * Ended by PID ({@link SentinelSet.dispose}).
 */
export class SentinelSet {
  /** What the Sentinels published since {@link SentinelSet.listen}. */
  readonly events: SentinelEvent[] = [];
  private readonly subscribers: Redis[] = [];

  constructor(readonly master: string, readonly processes: readonly RedisProcess[]) {}

  get ports(): number[] {
    return this.processes.map((p) => p.port);
  }

  /** Subscribes to every event channel of every Sentinel (the leader of a failover alone announces its steps). */
  async listen(): Promise<void> {
    for (const port of this.ports) {
      const subscriber = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
      subscriber.on('error', () => undefined);
      subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => this.events.push({ at: performance.now(), wallAt: Date.now(), sentinel: port, channel, message }));
      this.subscribers.push(subscriber);
      await subscriber.connect();
      await subscriber.psubscribe('*');
    }
  }

  /** The primary's port as the first Sentinel that answers names it; undefined when none answers. */
  async primaryPort(): Promise<number | undefined> {
    for (const port of this.ports) {
      const reply = (await redisCli(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.master)).split('\n');
      if (reply[1]) return Number(reply[1]);
    }
    return undefined;
  }

  /** Kills every Sentinel (by PID) and closes the subscriptions. */
  async dispose(): Promise<void> {
    for (const subscriber of this.subscribers) subscriber.disconnect();
    await Promise.all(this.processes.map((p) => killProcess(p.child)));
  }
}

/**
 * Starts Sentinels watching the primary on `primaryPort`, and returns once each knows every replica and the
 * other Sentinels (so that a failover can start as soon as the primary is down). Each gets its port just
 * before it starts, and another if that port was taken meanwhile.
 * @throws naming the step and the Sentinel it waited for when the deadline passes, or a Sentinel exits (the
 *   ones already started are killed)
 */
export async function startSentinels(options: SentinelSetOptions): Promise<SentinelSet> {
  const count = options.count ?? 3;
  const quorum = Math.floor(count / 2) + 1;
  const { dir, master, primaryPort, replicas, deadline } = options;
  const processes: RedisProcess[] = [];
  try {
    for (let i = 1; i <= count; i++) {
      processes.push(await startRedisProcess({
        what: `Sentinel ${i}`,
        command: (port) => {
          const config = path.join(dir, `sentinel-${port}.conf`);
          writeFileSync(config, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${master} 127.0.0.1 ${primaryPort} ${quorum}`, `sentinel down-after-milliseconds ${master} ${options.downAfterMs ?? 1_000}`, `sentinel failover-timeout ${master} ${options.failoverTimeoutMs ?? 10_000}`, `sentinel parallel-syncs ${master} 1`, ''].join('\n'));
          return sentinelCommand(config);
        },
        deadline,
      }));
    }
    for (const { port } of processes) {
      // the replicas come from the primary's INFO; the other Sentinels from their hellos, every 2 s
      await untilBy(`the Sentinel on ${port} knowing the ${replicas} replicas and ${count - 1} other Sentinels`, deadline, async () => {
        const known = await redisCli(port, 'SENTINEL', 'MASTER', master);
        return new RegExp(`num-slaves\\n${replicas}\\b`).test(known) && new RegExp(`num-other-sentinels\\n${count - 1}\\b`).test(known);
      });
    }
  } catch (error) {
    await Promise.all(processes.map((p) => killProcess(p.child)));
    throw error;
  }
  return new SentinelSet(master, processes);
}
