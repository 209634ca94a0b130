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

  /**
   * @param onLeading run once the instance leads with fresh state, before it acts (e.g. reconcile in-flight work)
   * @param reloadRetryMs when the state cannot be read after taking the lease, read again this much later (ms)
   */
  constructor(
    private readonly lease: RedisLease,
    private readonly knowledge: Knowledge,
    private readonly onRole: (change: RoleChange) => void = () => undefined,
    private readonly onLeading: () => void = () => undefined,
    readonly owner = '',
    private readonly reloadRetryMs = 250,
  ) {}

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
    );
    this.lease.start();
  }

  /** Gives the lease up (a standby takes over at once) and stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const s of this.subscriptions) s.unsubscribe();
    // nothing written after this, and what was written while leading lands before the lease is given up:
    // the store refuses it once the lease is gone (the next holder may write by then)
    this.writeFence = undefined;
    await this.knowledge.flush().catch(() => undefined);
    await this.lease.stop();
    this.readyToken = undefined;
    this.eventsSubject.complete();
  }

  private retryReload(generation: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const now = this.lease.current;
      if (!this.stopping && generation === this.generation && now.role === 'leader') void this.follow(now);
    }, this.reloadRetryMs);
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
      return;
    }
    this.announced = true;
    if (state.token === this.readyToken) return;
    this.readyToken = undefined;
    this.readOnly();
    try {
      await this.knowledge.reload();
    } catch (error) {
      this.onRole({ role: 'standby', reason: `took the lease but could not read knowledge: ${error instanceof Error ? error.message : String(error)}` });
      // the lease state does not change while it is renewed: read again, or it would hold the lease and never act
      this.retryReload(generation);
      return;
    }
    if (generation !== this.generation) return; // the lease moved on while we read
    // before onLeading: what it writes (in-flight marks it clears) is written under the new token
    this.writeFence = { lease: this.lease.name, owner: this.lease.owner, token: state.token };
    this.knowledge.setWritable(true);
    this.onLeading();
    this.readyToken = state.token;
    this.eventsSubject.next({ kind: 'takeover', shard: this.lease.name, token: state.token });
    this.onRole({ role: 'leader', token: state.token, reason: `holds the lease with fencing token ${state.token}` });
  }
}
