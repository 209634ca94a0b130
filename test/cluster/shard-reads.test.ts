// The retries of a shard's knowledge read after its lease was taken, with vitest's fake timers for the delays
// (no real waiting): the backoff, the give-up and how long the shard is stood aside, what is said and when,
// and the probe that clears the problem once reads work again.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ShardReads } from '../../src/cluster/shard-reads.js';

/** A shard coordinator stand-in: reads fail while `failing`; each read again is a failed or working read. */
class Harness {
  failing = true;
  reads = 0;
  probes = 0;
  readonly asides: { shard: string; forMs: number }[] = [];
  readonly told: { shard: string; reason: string }[] = [];
  readonly reads$ = new ShardReads({
    readAgain: (shard) => this.read(shard, 7),
    standAside: (shard, forMs) => {
      this.asides.push({ shard, forMs });
      this.reads$.lost(shard); // the lease says it is gone
    },
    probe: async () => {
      this.probes += 1;
      if (this.failing) throw new Error('Command timed out');
    },
    leaseMs: 2_000,
    onCannotAct: (shard, reason) => this.told.push({ shard, reason }),
  });

  read(shard: string, token: number): void {
    this.reads += 1;
    if (this.failing) this.reads$.failed(shard, token, new Error('Command timed out'));
    else this.reads$.worked(shard);
  }
}

describe('ShardReads', () => {
  let start = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    start = Date.now();
  });
  afterEach(() => void vi.useRealTimers());

  it('reads again at 250, 750 and 1750 ms, then gives the lease up for two lease times, saying so twice', async () => {
    const h = new Harness();
    h.read('s1', 7);
    expect(h.reads$.problems()).toEqual([['s1', 'took its lease (fencing token 7) but could not read knowledge, so it does not act in it: Command timed out']]);
    expect(h.reads$.pending('s1')).toBe(true);
    for (const [at, reads] of [[249, 1], [250, 2], [750, 3], [1_749, 3], [1_750, 4]] as const) {
      await vi.advanceTimersByTimeAsync(at - (Date.now() - start));
      expect(h.reads, `reads at ${at} ms`).toBe(reads);
    }
    expect(h.asides).toEqual([{ shard: 's1', forMs: 4_000 }]);
    expect(h.reads$.standingAside()).toBe(true);
    expect(h.reads$.problems()).toEqual([['s1', 'could not read knowledge after taking its lease (Command timed out): gave its lease up']]);
    expect(h.told).toHaveLength(2);
    expect(h.told[1]?.reason).toBe('gave the lease up after 4 failed reads of knowledge (last: Command timed out); not asking for it for 4000 ms so that another instance can take it');
    // nothing more is read for it until it is taken again; taken and failing again: twice as long aside
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.reads).toBe(4);
    h.read('s1', 9);
    await vi.advanceTimersByTimeAsync(1_750);
    expect(h.asides.map((a) => a.forMs)).toEqual([4_000, 8_000]);
    expect(h.told).toHaveLength(4);
  });

  it('clears the problem when a probe works while it stands aside, and counts again', async () => {
    const h = new Harness();
    h.read('s1', 7);
    await vi.advanceTimersByTimeAsync(1_750);
    expect(h.asides).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(h.probes).toBe(1);
    expect(h.reads$.problems()).toHaveLength(1);
    h.failing = false;
    await vi.advanceTimersByTimeAsync(4_000);
    expect(h.probes).toBe(2);
    expect(h.reads$.problems()).toEqual([]);
    expect(h.reads$.standingAside()).toBe(false);
    h.reads$.stop();
  });

  it('a shard lost while read again is not read again, and says it no longer holds it', async () => {
    const h = new Harness();
    h.read('s1', 7);
    h.reads$.lost('s1');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.reads).toBe(1);
    expect(h.reads$.problems()).toEqual([['s1', 'could not read knowledge after taking its lease (Command timed out), and no longer holds it']]);
    expect(h.reads$.standingAside()).toBe(false);
    h.reads$.stop();
  });
});
