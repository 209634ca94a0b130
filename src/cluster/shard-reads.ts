import type { ReloadRetry } from './ha-coordinator.js';

/** What `ShardReads` asks of the shard coordinator. */
export interface ShardReadHooks {
  /** Reads the shard's knowledge again, if its lease is still held under the token it was taken with. */
  readonly readAgain: (shard: string) => void;
  /** Gives the shard's lease up and does not ask for it for `forMs` (see `RedisLease.standAside`). */
  readonly standAside: (shard: string, forMs: number, reason: string) => void;
  /** Reads every policy's state without using it: while standing aside, to find out whether reads work again. */
  readonly probe: () => Promise<unknown>;
  /** The lease time (ms): a shard given up is not asked for for twice that, doubled at each give-up in a row. */
  readonly leaseMs: number;
  /** Told as the reads of a shard start failing and as its lease is given up (log it as an error). */
  readonly onCannotAct: (shard: string, reason: string) => void;
}

/** One shard's failed reads. */
interface ShardRead {
  /** Failed reads since its lease was last taken. */
  failedReads: number;
  /** Times in a row its lease was given up because knowledge could not be read. */
  asides: number;
  /** Why the instance cannot act in it, until a read works. */
  problem: string | undefined;
  /** The next read, while one is scheduled. */
  retry: NodeJS.Timeout | undefined;
  /** Its lease is being given up: no read until the lease says it is gone. */
  givingUp: boolean;
  /** Its lease was given up at least once since a read last worked. */
  gaveUp: boolean;
  /** What the last failed read said. */
  why: string;
}

/**
 * The reads of knowledge a shard coordinator makes after taking a shard's lease, when they fail: as the
 * whole-tree leader does (see `HaCoordinator`), it reads again with backoff (250, 500, 1,000 ms by default),
 * and after a few failed reads gives the shard's lease up and stands aside (two lease times, doubled at each
 * give-up in a row, up to `maxAsideMs`) so that another instance, whose link or memory may be fine, can take
 * it. Two lines per take at most (`onCannotAct`), and `problems` names each shard until a read works: one
 * that takes the shard again, or a probe of the state made now and then while standing aside.
 */
export class ShardReads {
  private readonly shards = new Map<string, ShardRead>();
  private readonly firstRetryMs: number;
  private readonly attempts: number;
  private readonly maxAsideMs: number;
  private probeTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly hooks: ShardReadHooks, retry: ReloadRetry = {}) {
    this.firstRetryMs = retry.firstRetryMs ?? 250;
    this.attempts = Math.max(1, retry.attempts ?? 4);
    this.maxAsideMs = retry.maxAsideMs ?? 30_000;
  }

  /** Why the instance cannot act in each shard that has a problem, by shard. */
  problems(): [shard: string, problem: string][] {
    return [...this.shards].flatMap(([shard, read]) => (read.problem === undefined ? [] : [[shard, read.problem] as [string, string]]));
  }

  /**
   * Whether this instance gave a shard's lease up because it could not read knowledge, and no read worked
   * since: it should not count as an instance that can take a share of the shards (see `ShardMembership.beat`).
   */
  standingAside(): boolean {
    return [...this.shards.values()].some((read) => read.gaveUp);
  }

  /** Whether the shard is left to its scheduled read (or to its lease being given up): the tick leaves it be. */
  pending(shard: string): boolean {
    const read = this.shards.get(shard);
    return read !== undefined && (read.retry !== undefined || read.givingUp);
  }

  /** A read of `shard`'s knowledge failed after its lease was taken under `token`. */
  failed(shard: string, token: number, error: unknown): void {
    if (this.stopped) return;
    const read = this.of(shard);
    if (read.retry) clearTimeout(read.retry);
    read.retry = undefined;
    const why = error instanceof Error ? error.message : String(error);
    read.failedReads += 1;
    read.why = why;
    read.problem = `took its lease (fencing token ${token}) but could not read knowledge, so it does not act in it: ${why}`;
    if (read.failedReads === 1) this.hooks.onCannotAct(shard, read.problem);
    if (read.failedReads < this.attempts) {
      const delayMs = this.firstRetryMs * 2 ** (read.failedReads - 1);
      read.retry = setTimeout(() => {
        read.retry = undefined;
        if (!this.stopped) this.hooks.readAgain(shard);
      }, delayMs);
      return;
    }
    // the cause may be this instance's (its link, its memory): let another one try
    read.asides += 1;
    const asideMs = Math.min(this.maxAsideMs, this.hooks.leaseMs * 2 ** read.asides);
    const reason = `gave the lease up after ${read.failedReads} failed reads of knowledge (last: ${why}); not asking for it for ${asideMs} ms so that another instance can take it`;
    read.failedReads = 0;
    read.givingUp = true;
    read.gaveUp = true;
    read.problem = `could not read knowledge after taking its lease (${why}): gave its lease up`;
    this.hooks.onCannotAct(shard, reason);
    this.hooks.standAside(shard, asideMs, reason);
    this.probeLater(asideMs);
  }

  /** A read of `shard`'s knowledge worked: the instance acts in it. */
  worked(shard: string): void {
    const read = this.shards.get(shard);
    if (!read) return;
    if (read.retry) clearTimeout(read.retry);
    this.shards.delete(shard);
  }

  /**
   * The shard's lease is no longer this instance's (lost, released, or given up): no read is made for it
   * until it is taken again. Its problem stays until a read works (see `problems`).
   */
  lost(shard: string): void {
    const read = this.shards.get(shard);
    if (!read) return;
    if (read.retry) clearTimeout(read.retry);
    read.retry = undefined;
    // lost while reading again: it does not hold it now, and could not read
    if (read.failedReads > 0) read.problem = `could not read knowledge after taking its lease (${read.why}), and no longer holds it`;
    read.failedReads = 0;
    read.givingUp = false;
    if (read.problem !== undefined && !this.probeTimer) this.probeLater(this.hooks.leaseMs);
  }

  /** No read, probe or give-up after this. */
  stop(): void {
    this.stopped = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    for (const read of this.shards.values()) if (read.retry) clearTimeout(read.retry);
  }

  private of(shard: string): ShardRead {
    let read = this.shards.get(shard);
    if (!read) this.shards.set(shard, (read = { failedReads: 0, asides: 0, problem: undefined, retry: undefined, givingUp: false, gaveUp: false, why: '' }));
    return read;
  }

  /**
   * One probe for every shard that stands aside (a read of the state is the same whichever shard asks): when
   * it works, the shards not being read meanwhile are cleared; when it fails, it is tried again as late.
   */
  private probeLater(delayMs: number): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.stopped || this.problems().length === 0) return;
      this.hooks.probe().then(
        () => {
          for (const [shard, read] of this.shards) if (read.failedReads === 0 && !read.givingUp && read.retry === undefined) this.shards.delete(shard);
        },
        () => {
          if (!this.stopped && !this.probeTimer) this.probeLater(delayMs);
        },
      );
    }, delayMs);
  }
}
