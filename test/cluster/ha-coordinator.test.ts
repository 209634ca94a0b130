// The coordinator's reaction to its lease, with a lease stand-in whose state the test sets and vitest's fake
// timers for the retry delay (no real waiting).
import { BehaviorSubject, Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HaCoordinator, type RoleChange } from '../../src/cluster/ha-coordinator.js';
import type { LeaseState, RedisLease } from '../../src/cluster/lease.js';
import { Knowledge, MemoryStore, VirtualClock, type Json } from '../../src/index.js';

/** A lease whose state the test sets; acting is allowed while the state is `leader`. */
class LeaseStandIn {
  readonly state = new BehaviorSubject<LeaseState>({ role: 'follower', reason: 'not started' });
  readonly renewals$ = new Subject<number>();
  readonly problem$ = new Subject<string | undefined>();
  readonly name = 'root';
  readonly holder = undefined;
  get state$(): BehaviorSubject<LeaseState> {
    return this.state;
  }
  get current(): LeaseState {
    return this.state.value;
  }
  actingToken(): number | undefined {
    const s = this.state.value;
    return s.role === 'leader' ? s.token : undefined;
  }
  readonly leaseMs = 2_000;
  /** The lease times given up, and for how long (ms). */
  readonly asides: number[] = [];
  start(): void {}
  async stop(): Promise<void> {}
  async standAside(forMs: number, reason: string): Promise<void> {
    this.asides.push(forMs);
    this.state.next({ role: 'follower', reason });
  }
}

/** A memory store whose policy state cannot be read the first `failures` times (Redis timing out). */
class FlakyStore extends MemoryStore {
  reads = 0;
  constructor(private failures: number) {
    super();
  }
  override async loadPolicyStates(): Promise<Map<string, Map<string, Json>>> {
    this.reads += 1;
    if (this.failures-- > 0) throw new Error('Command timed out');
    return super.loadPolicyStates();
  }
}

describe('HaCoordinator', () => {
  let start = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    start = Date.now();
  });
  afterEach(() => void vi.useRealTimers());

  it('reads the state again when it cannot right after taking the lease, and then acts', async () => {
    const lease = new LeaseStandIn();
    const store = new FlakyStore(2);
    const roles: RoleChange[] = [];
    const coordinator = new HaCoordinator(lease as unknown as RedisLease, new Knowledge(store, new VirtualClock()), (change) => roles.push(change), () => undefined, 'me', 250);
    coordinator.start();
    lease.state.next({ role: 'leader', token: 41, validForMs: 1_500 });
    await vi.advanceTimersByTimeAsync(0);
    // the lease is held, but without the old leader's state the instance must not act
    expect(store.reads).toBe(1);
    expect(coordinator.actingToken()).toBeUndefined();
    expect(roles.at(-1)?.reason).toMatch(/could not read knowledge, so it does not act: Command timed out/);
    await vi.advanceTimersByTimeAsync(250);
    expect(store.reads).toBe(2);
    expect(coordinator.actingToken()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(500);
    expect(store.reads).toBe(3);
    expect(coordinator.actingToken()).toBe(41);
    expect(coordinator.notReady()).toBeUndefined();
    expect(roles.at(-1)).toMatchObject({ role: 'leader', token: 41 });
    await coordinator.stop();
  });

  it('reads again with backoff, then gives the lease up, says why it is not ready, and logs twice', async () => {
    const lease = new LeaseStandIn();
    const store = new FlakyStore(Infinity);
    const roles: RoleChange[] = [];
    const coordinator = new HaCoordinator(lease as unknown as RedisLease, new Knowledge(store, new VirtualClock()), (change) => roles.push(change), () => undefined, 'me');
    coordinator.start();
    expect(coordinator.notReady()).toBeUndefined();
    lease.state.next({ role: 'leader', token: 41, validForMs: 1_500 });
    await vi.advanceTimersByTimeAsync(0);
    expect(coordinator.notReady()).toMatch(/took the lease \(fencing token 41\) but could not read knowledge, so it does not act: Command timed out/);
    // reads at 0, 250, 750 and 1750 ms, then the lease is given up: not 4 reads a second for ever
    for (const [at, reads] of [[249, 1], [250, 2], [750, 3], [1_749, 3], [1_750, 4]] as const) {
      await vi.advanceTimersByTimeAsync(at - (Date.now() - start));
      expect(store.reads, `reads at ${at} ms`).toBe(reads);
    }
    expect(lease.asides).toEqual([4_000]);
    expect(coordinator.actingToken()).toBeUndefined();
    expect(coordinator.notReady()).toMatch(/could not read knowledge after taking the lease \(Command timed out\): gave the lease up/);
    // one line as it failed and one as it gave up, both errors
    expect(roles.filter((r) => r.failed)).toHaveLength(2);
    expect(roles.at(-1)?.reason).toMatch(/gave the lease up after 4 failed reads of knowledge \(last: Command timed out\); not asking for it for 4000 ms/);
    // taken and failed again: it stands aside twice as long
    lease.state.next({ role: 'leader', token: 43, validForMs: 1_500 });
    await vi.advanceTimersByTimeAsync(1_750);
    expect(lease.asides).toEqual([4_000, 8_000]);
    await coordinator.stop();
  });

  it('is ready again once a read works while it stands aside', async () => {
    const lease = new LeaseStandIn();
    const store = new FlakyStore(5);
    const coordinator = new HaCoordinator(lease as unknown as RedisLease, new Knowledge(store, new VirtualClock()), () => undefined, () => undefined, 'me');
    coordinator.start();
    lease.state.next({ role: 'leader', token: 41, validForMs: 1_500 });
    await vi.advanceTimersByTimeAsync(1_750);
    expect(lease.asides).toEqual([4_000]);
    lease.state.next({ role: 'follower', reason: 'held by another instance for 1900 ms more' });
    await vi.advanceTimersByTimeAsync(4_000); // the 5th read fails
    expect(store.reads).toBe(5);
    expect(coordinator.notReady()).toBeDefined();
    await vi.advanceTimersByTimeAsync(4_000);
    expect(store.reads).toBe(6);
    expect(coordinator.notReady()).toBeUndefined();
    await coordinator.stop();
  });

  it('is not ready while the lease reports its keys malformed, and says so once per change', async () => {
    const lease = new LeaseStandIn();
    const told: (string | undefined)[] = [];
    const coordinator = new HaCoordinator(lease as unknown as RedisLease, new Knowledge(new MemoryStore(), new VirtualClock()), () => undefined, () => undefined, 'me', {}, (problem) => told.push(problem));
    coordinator.start();
    lease.problem$.next('homeostat:{x}:lease:root holds "garbage"');
    lease.problem$.next('homeostat:{x}:lease:root holds "garbage"');
    expect(coordinator.notReady()).toBe('the lease in Redis is malformed: homeostat:{x}:lease:root holds "garbage"');
    lease.problem$.next(undefined);
    expect(coordinator.notReady()).toBeUndefined();
    expect(told).toEqual(['homeostat:{x}:lease:root holds "garbage"', undefined]);
    await coordinator.stop();
  });

  it('does not read again once the lease is lost meanwhile', async () => {
    const lease = new LeaseStandIn();
    const store = new FlakyStore(1);
    const coordinator = new HaCoordinator(lease as unknown as RedisLease, new Knowledge(store, new VirtualClock()), () => undefined, () => undefined, 'me', 250);
    coordinator.start();
    lease.state.next({ role: 'leader', token: 7, validForMs: 1_500 });
    await vi.advanceTimersByTimeAsync(0);
    lease.state.next({ role: 'follower', reason: 'held by another instance for 1900 ms more' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(store.reads).toBe(1);
    expect(coordinator.actingToken()).toBeUndefined();
    await coordinator.stop();
  });
});
