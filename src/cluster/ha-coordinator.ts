import { Subject, type Observable, type Subscription } from 'rxjs';
import type { Knowledge } from '../knowledge/knowledge.js';
import type { WriteFence } from '../knowledge/store.js';
import type { HaView, LeaseEvent, LeaseHealth } from './ha-status.js';
import type { LeaseState, RedisLease } from './lease.js';

/** What the coordinator tells the service about its role. */
export interface RoleChange {
  readonly role: 'leader' | 'standby';
  readonly token?: number;
  readonly reason: string;
  /** True when the instance holds or held the lease but cannot act on it (log it as an error). */
  readonly failed?: boolean;
}

/** How a coordinator that took the lease but cannot read knowledge retries, and when it gives the lease up. */
export interface ReloadRetry {
  /** The first retry comes this much later (ms); each next one twice as late. Default 250. */
  readonly firstRetryMs?: number;
  /** Reads tried, the first included, before the lease is given up. Default 4 (0, 250, 750, 1750 ms). */
  readonly attempts?: number;
  /** The longest the instance stands aside after giving the lease up (ms). Default 30 000. */
  readonly maxAsideMs?: number;
}

/**
 * Makes one instance of several the acting one. Every instance runs the loops warm (monitor, analyze and
 * plan on its own readings); only the lease holder writes knowledge and invokes effectors, under its fencing
 * token. A standby's knowledge is read-only; when it takes the lease it first reloads the policy state the
 * old leader left (cooldowns, windows, counters), then acts. Losing the lease (or failing to renew it in
 * time) makes it a standby again at once; what it wrote under the lease and Redis had not yet taken is
 * refused by Redis once the lease has moved on (see `Knowledge.setWriteFence`).
 */
export class HaCoordinator implements HaView {
  private readyToken: number | undefined;
  /** The lease this instance's knowledge writes are made under, while it writes (see `Knowledge.setWriteFence`). */
  private writeFence: WriteFence | undefined;
  private generation = 0;
  private subscriptions: Subscription[] = [];
  private announced = false;
  private stopping = false;
  private readonly eventsSubject = new Subject<LeaseEvent>();
  private retryTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly firstRetryMs: number;
  private readonly attempts: number;
  private readonly maxAsideMs: number;
  /** Failed reads of knowledge since the lease was last taken. */
  private failedReads = 0;
  /** Times in a row the lease was given up because knowledge could not be read. */
  private asides = 0;
  /** Why the instance is not ready: the last read of knowledge failed (cleared by a read that works). */
  private readProblem: string | undefined;
  /** What is wrong with the lease's keys in Redis, as the lease last saw them. */
  private leaseProblem: string | undefined;

  /**
   * @param onLeading run once the instance leads with fresh state, before it acts (e.g. reconcile in-flight work)
   * @param retry when the state cannot be read after taking the lease: read again with backoff, and after a
   *   few failed reads give the lease up and stand aside for a while (longer each time, up to `maxAsideMs`),
   *   so that another instance can take it; a number is the first retry delay (ms)
   * @param onLeaseProblem told when the lease's keys in Redis are found malformed (see `RedisLease.problem$`),
   *   with what is wrong, and with undefined once they are not (log the first as an error)
   */
  constructor(
    private readonly lease: RedisLease,
    private readonly knowledge: Knowledge,
    private readonly onRole: (change: RoleChange) => void = () => undefined,
    private readonly onLeading: () => void = () => undefined,
    readonly owner = '',
    retry: number | ReloadRetry = {},
    private readonly onLeaseProblem: (problem: string | undefined) => void = () => undefined,
  ) {
    const options = typeof retry === 'number' ? { firstRetryMs: retry } : retry;
    this.firstRetryMs = options.firstRetryMs ?? 250;
    this.attempts = Math.max(1, options.attempts ?? 4);
    this.maxAsideMs = options.maxAsideMs ?? 30_000;
  }

  /**
   * Why this instance is not ready, or undefined: it took the lease and could not read knowledge (it then
   * does not act; see the constructor's `retry`). Cleared once a read of knowledge works again.
   */
  notReady(): string | undefined {
    const lease = this.leaseProblem === undefined ? undefined : `the lease in Redis is malformed: ${this.leaseProblem}`;
    return [this.readProblem, lease].filter((p) => p !== undefined).join('; ') || undefined;
  }

  /** The token to act under, or undefined while this instance must not act. Pass as the invoker's fence. */
  actingToken(): number | undefined {
    const token = this.lease.actingToken();
    return token !== undefined && token === this.readyToken ? token : undefined;
  }

  /** The one lease (`root`) as this instance sees it. */
  health(): LeaseHealth[] {
    const acting = this.actingToken();
    const state = this.lease.current;
    const holder = this.lease.holder;
    const role = acting !== undefined ? 'leader' : state.role === 'waiting' || (state.role === 'leader' && this.readyToken === undefined) ? 'waiting' : 'standby';
    return [{ shard: this.lease.name, role, ...(state.role !== 'follower' ? { token: state.token } : {}), ...(holder === undefined ? {} : { holder }) }];
  }

  /** Renewals, takeovers (this instance starts acting under a new token) and losses (it stops acting). */
  get events$(): Observable<LeaseEvent> {
    return this.eventsSubject.asObservable();
  }

  /**
   * Starts as a standby and competes for the lease. Every knowledge write (but audit entries) is made under
   * the lease: the store applies it only while the lease is still this instance's under the token it was
   * written with, so writes buffered while the link to Redis was cut never land on the next leader's.
   */
  start(): void {
    this.knowledge.setWritable(false);
    this.knowledge.setWriteFence(() => this.writeFence);
    this.subscriptions.push(
      this.lease.state$.subscribe((state) => void this.follow(state)),
      this.lease.renewals$.subscribe((latencyMs) => this.eventsSubject.next({ kind: 'renewed', shard: this.lease.name, latencyMs })),
      this.lease.problem$.subscribe((problem) => {
        if (problem === this.leaseProblem) return;
        this.leaseProblem = problem;
        this.onLeaseProblem(problem);
      }),
    );
    this.lease.start();
  }

  /** Gives the lease up (a standby takes over at once) and stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.probeTimer) clearTimeout(this.probeTimer);
    for (const s of this.subscriptions) s.unsubscribe();
    // nothing written after this, and what was written while leading lands before the lease is given up:
    // the store refuses it once the lease is gone (the next holder may write by then)
    this.writeFence = undefined;
    await this.knowledge.flush().catch(() => undefined);
    await this.lease.stop();
    this.readyToken = undefined;
    this.eventsSubject.complete();
  }

  /** Reads knowledge again while it holds the lease (the lease state does not change while it is renewed). */
  private retryReload(generation: number, delayMs: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const now = this.lease.current;
      if (!this.stopping && generation === this.generation && now.role === 'leader') void this.follow(now);
    }, delayMs);
  }

  /**
   * While standing aside (or a standby after that), reads the state now and then without using it, so that
   * `notReady` clears once the cause is gone, whichever instance leads meanwhile. A take of the lease reads
   * it anyway, so no probe runs while this instance holds the lease.
   */
  private probeLater(delayMs: number): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.stopping || this.readProblem === undefined || this.lease.current.role !== 'follower') return;
      this.knowledge.store.loadPolicyStates().then(
        () => {
          if (this.failedReads > 0) return;
          this.readProblem = undefined;
          this.asides = 0;
        },
        () => this.probeLater(delayMs),
      );
    }, delayMs);
  }

  private cannotRead(state: { token: number }, error: unknown, generation: number): void {
    const why = error instanceof Error ? error.message : String(error);
    this.failedReads += 1;
    this.readProblem = `took the lease (fencing token ${state.token}) but could not read knowledge, so it does not act: ${why}`;
    if (this.failedReads === 1) this.onRole({ role: 'standby', reason: this.readProblem, failed: true });
    if (this.failedReads < this.attempts) return this.retryReload(generation, this.firstRetryMs * 2 ** (this.failedReads - 1));
    // the cause may be this instance's (its link, its memory): let another one try
    this.asides += 1;
    const asideMs = Math.min(this.maxAsideMs, this.lease.leaseMs * 2 ** this.asides);
    const reason = `gave the lease up after ${this.failedReads} failed reads of knowledge (last: ${why}); not asking for it for ${asideMs} ms so that another instance can take it`;
    this.failedReads = 0;
    this.readProblem = `could not read knowledge after taking the lease (${why}): gave the lease up`;
    this.onRole({ role: 'standby', reason, failed: true });
    void this.lease.standAside(asideMs, reason);
    this.probeLater(asideMs);
  }

  private readOnly(): void {
    this.writeFence = undefined;
    this.knowledge.setWritable(false);
  }

  private async follow(state: LeaseState): Promise<void> {
    const generation = ++this.generation;
    if (state.role !== 'leader') {
      if (!this.announced || this.readyToken !== undefined || this.knowledge.isWritable) this.onRole({ role: 'standby', reason: state.reason });
      if (this.readyToken !== undefined && !this.stopping) this.eventsSubject.next({ kind: 'lost', shard: this.lease.name, reason: state.reason });
      this.announced = true;
      this.readyToken = undefined;
      this.readOnly();
      // lost while reading again: find out later whether knowledge can be read now
      this.failedReads = 0;
      if (this.readProblem !== undefined && !this.probeTimer && !this.stopping) this.probeLater(this.lease.leaseMs);
      return;
    }
    this.announced = true;
    if (state.token === this.readyToken) return;
    this.readyToken = undefined;
    this.readOnly();
    try {
      await this.knowledge.reload();
    } catch (error) {
      if (generation === this.generation && !this.stopping) this.cannotRead(state, error, generation);
      return;
    }
    if (generation !== this.generation) return; // the lease moved on while we read
    this.failedReads = 0;
    this.asides = 0;
    this.readProblem = undefined;
    // before onLeading: what it writes (in-flight marks it clears) is written under the new token
    this.writeFence = { lease: this.lease.name, owner: this.lease.owner, token: state.token };
    this.knowledge.setWritable(true);
    this.onLeading();
    this.readyToken = state.token;
    this.eventsSubject.next({ kind: 'takeover', shard: this.lease.name, token: state.token });
    this.onRole({ role: 'leader', token: state.token, reason: `holds the lease with fencing token ${state.token}` });
  }
}
