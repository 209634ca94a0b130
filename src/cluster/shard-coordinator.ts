import type { Redis } from 'ioredis';
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { Knowledge } from '../knowledge/knowledge.js';
import type { ReloadRetry } from './ha-coordinator.js';
import type { HaView, LeaseEvent, LeaseHealth } from './ha-status.js';
import { RedisLease } from './lease.js';
import { ShardReads } from './shard-reads.js';
import { shardLayout } from './shard-layout.js';
import { ShardMembership } from './shard-membership.js';

/** Settings of a sharded deployment. */
export interface ShardOptions {
  /** The shards: one lease each (the root's own shard, each top-level subtree and each marked `shard: true`). */
  readonly shards: readonly string[];
  /** The shard an entity belongs to, or undefined when it is not in the tree. */
  readonly shardOf: (entity: string) => string | undefined;
  /** This instance's unique name. */
  readonly owner: string;
  readonly namespace: string;
  /** Lease time (ms). Default 2 000. */
  readonly ttlMs?: number;
  readonly minReplicaAcks?: number;
  /** Called when this instance starts acting for a shard under a new token (after its state was reloaded). */
  readonly onShard?: (shard: string, token: number) => void;
  /**
   * How the instances cut the tree into leases (see `shardLayout`). Default: the shards' names alone. While
   * instances of another layout hold leases on the same Redis, this one does not compete, nor is it counted.
   */
  readonly layout?: string;
  /** Called when this instance stops competing because instances of another layout act (true), and when it competes again (false). */
  readonly onOtherLayout?: (acting: boolean) => void;
  /**
   * When a shard's state cannot be read after its lease was taken: read again with backoff, and after a few
   * failed reads give the shard's lease up and stand aside for a while (see `ShardReads`). Default as the
   * whole-tree leader's (250 ms, 4 reads, at most 30 s aside).
   */
  readonly retry?: ReloadRetry;
  /**
   * Told, with why, when this instance holds a shard's lease but cannot act in it: as the reads of its state
   * start failing, and as it gives the lease up (not at every retry). Log it as an error.
   */
  readonly onCannotAct?: (shard: string, reason: string) => void;
  /**
   * Told when a shard's lease keys in Redis are found malformed (see `RedisLease.problem$`), with what is
   * wrong, and with undefined once they are not. Log the first as an error.
   */
  readonly onLeaseProblem?: (shard: string, problem: string | undefined) => void;
}

/**
 * Shares a deployment's shards out among the instances on one Redis: each shard is a lease with a fencing
 * token, each instance aims at ceil(shards / instances) of them (instances are counted by heartbeats in
 * Redis). Above its share an instance releases shards (another takes each within one renewal); below it, it
 * competes for free ones; at its share it stops competing. A dead instance's shards move once its leases
 * expire and its heartbeat ages out: within about two lease times. Only a shard's holder acts in it, and an
 * instance writes knowledge only for the shards it holds, each write under its shard's lease (see
 * `Knowledge.setWriteFence`): one buffered while the shard moved on is refused by Redis, never applied later.
 */
export class ShardCoordinator implements HaView {
  private readonly leases = new Map<string, RedisLease>();
  private readonly running = new Set<string>();
  private readonly ready = new Map<string, number>();
  private readonly following = new Set<string>();
  private readonly eventsSubject = new Subject<LeaseEvent>();
  private readonly subscriptions: Subscription[] = [];
  private readonly membership: ShardMembership;
  private readonly reads: ShardReads;
  /** What is wrong with each shard's lease keys in Redis, as its lease last saw them. */
  private readonly leaseProblems = new Map<string, string>();
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private instances = 1;
  private stopped = false;
  /** Instances of another layout hold the deployment: this one neither competes nor counts. */
  private otherLayout = false;

  constructor(redis: Redis, private readonly knowledge: Knowledge, private readonly options: ShardOptions) {
    this.ttlMs = options.ttlMs ?? 2_000;
    const layout = options.layout ?? shardLayout(options.shards, () => undefined);
    this.membership = new ShardMembership(redis, options.namespace, options.owner, this.ttlMs, layout);
    this.reads = new ShardReads({
      readAgain: (shard) => {
        const lease = this.leases.get(shard);
        const state = lease?.current;
        if (lease && state?.role === 'leader' && !this.stopped) void this.follow(shard, lease, state.token, '');
      },
      standAside: (shard, forMs, reason) => void this.leases.get(shard)?.standAside(forMs, reason),
      probe: () => knowledge.store.loadPolicyStates(),
      leaseMs: this.ttlMs,
      onCannotAct: (shard, reason) => options.onCannotAct?.(shard, reason),
    }, options.retry);
    for (const shard of options.shards) {
      const lease = new RedisLease(redis, { name: shard, owner: options.owner, namespace: options.namespace, ttlMs: this.ttlMs, layout, ...(options.minReplicaAcks === undefined ? {} : { minReplicaAcks: options.minReplicaAcks }) });
      this.leases.set(shard, lease);
      this.subscriptions.push(
        lease.state$.subscribe((state) => void this.follow(shard, lease, state.role === 'leader' ? state.token : undefined, 'reason' in state ? state.reason : '')),
        lease.renewals$.subscribe((latencyMs) => this.eventsSubject.next({ kind: 'renewed', shard, latencyMs })),
        lease.problem$.subscribe((problem) => {
          if (problem === this.leaseProblems.get(shard)) return;
          if (problem === undefined) this.leaseProblems.delete(shard);
          else this.leaseProblems.set(shard, problem);
          options.onLeaseProblem?.(shard, problem);
        }),
      );
    }
  }

  get owner(): string {
    return this.options.owner;
  }

  /** The shard `entity` belongs to, or undefined when it is not in the tree. */
  shardOf(entity: string): string | undefined {
    return this.options.shardOf(entity);
  }

  get events$(): Observable<LeaseEvent> {
    return this.eventsSubject.asObservable();
  }

  /** The token to act on `entity` under, or undefined when this instance does not hold its shard now. */
  actingToken(entity: string): number | undefined {
    const shard = this.options.shardOf(entity);
    const lease = shard === undefined ? undefined : this.leases.get(shard);
    const token = lease?.actingToken();
    return token !== undefined && token === this.ready.get(shard as string) ? token : undefined;
  }

  /** The shards this instance acts for now. */
  held(): string[] {
    return [...this.ready.keys()].filter((shard) => this.leases.get(shard)?.actingToken() === this.ready.get(shard));
  }

  /**
   * Why this instance is not ready, or undefined: for each shard whose lease it took and whose state it could
   * not read (it does not act in it; named until a read works, also after it gave the lease up, since the
   * cause may be its own), and each shard it competes for whose lease keys in Redis are malformed.
   */
  notReady(): string | undefined {
    const reads = this.reads.problems().map(([shard, problem]) => `shard ${shard}: ${problem}`);
    // the token counter and the layout key are every shard's: one problem of theirs is named once
    const byProblem = new Map<string, string[]>();
    for (const [shard, problem] of this.leaseProblems) if (this.running.has(shard)) byProblem.set(problem, [...(byProblem.get(problem) ?? []), shard]);
    const leases = [...byProblem].map(([problem, shards]) => `${shards.length === 1 ? 'shard' : 'shards'} ${shards.join(', ')}: the lease in Redis is malformed: ${problem}`);
    return [...reads, ...leases].join('; ') || undefined;
  }

  health(): LeaseHealth[] {
    return [...this.leases].map(([shard, lease]) => {
      const state = lease.current;
      const acting = this.ready.has(shard) && lease.actingToken() === this.ready.get(shard);
      const role = acting ? 'leader' : state.role === 'follower' ? 'standby' : 'waiting';
      const holder = lease.holder;
      return { shard, role, ...(state.role !== 'follower' ? { token: state.token } : {}), ...(holder === undefined ? {} : { holder }) };
    });
  }

  /** Joins: heartbeats, then competes for a fair share of the shards, rebalancing every renewal interval. */
  start(): void {
    this.knowledge.setWritable(false);
    // every write is made under the lease of the shard it is about, and only while this instance acts for
    // it: the store applies it only while that lease is still this instance's under the same token
    this.knowledge.setWriteFence((op) => {
      if (op.kind === 'audit') return undefined; // knowledge writes audit entries unfenced: they record this instance's API
      const entity = op.kind === 'state' ? op.policy.slice(0, Math.max(0, op.policy.lastIndexOf('/'))) : op.value.entity;
      const shard = this.options.shardOf(entity);
      const token = shard === undefined ? undefined : this.ready.get(shard);
      return token === undefined ? undefined : { lease: shard as string, owner: this.options.owner, token };
    });
    void this.tick();
  }

  /** Gives every shard up (the others take them at once) and leaves. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.reads.stop();
    for (const s of this.subscriptions) s.unsubscribe();
    // nothing written after this, and what was written while acting lands before the shards are given up:
    // the store refuses a shard's writes once its lease is gone
    this.ready.clear();
    this.writeWhileActing();
    await this.knowledge.flush().catch(() => undefined);
    await Promise.all([...this.leases.values()].map((lease) => lease.stop()));
    await this.membership.leave();
    this.eventsSubject.complete();
  }

  private async tick(): Promise<void> {
    try {
      // an instance standing aside (it cannot read knowledge) is not counted: the others take its share
      const count = await this.membership.beat(!this.reads.standingAside());
      if ((count === undefined) !== this.otherLayout) this.options.onOtherLayout?.(count === undefined);
      this.otherLayout = count === undefined;
      if (count !== undefined) this.instances = Math.max(1, count);
    } catch {
      // Redis does not answer: keep the count; each lease times itself out on its own
    }
    if (this.stopped) return;
    // a shard held and not acted in, whose state is not being read nor will be by a scheduled retry, is read
    for (const [shard, lease] of this.leases) {
      const state = lease.current;
      if (state.role === 'leader' && !this.ready.has(shard) && !this.following.has(shard) && !this.reads.pending(shard)) void this.follow(shard, lease, state.token, '');
    }
    await this.rebalance();
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.ttlMs / 4);
  }

  private async rebalance(): Promise<void> {
    if (this.otherLayout) {
      // their leases cover the same entities under other names: this instance waits until they are gone
      for (const shard of [...this.running]) await this.release(shard);
      return;
    }
    const share = Math.ceil(this.leases.size / this.instances);
    const held = [...this.leases].filter(([, lease]) => lease.current.role !== 'follower').map(([shard]) => shard);
    if (held.length > share) {
      for (const shard of held.slice(share)) await this.release(shard);
    } else if (held.length < share) {
      for (const shard of this.leases.keys()) if (!this.running.has(shard)) this.compete(shard);
    } else {
      for (const shard of [...this.running]) if (!held.includes(shard)) await this.release(shard);
    }
  }

  private compete(shard: string): void {
    this.running.add(shard);
    this.leases.get(shard)?.start();
  }

  private async release(shard: string): Promise<void> {
    this.running.delete(shard);
    const acted = this.ready.delete(shard);
    this.writeWhileActing();
    // what was written for the shard lands while its lease is still held (the store refuses it after)
    if (acted) await this.knowledge.flush().catch(() => undefined);
    await this.leases.get(shard)?.stop();
  }

  /**
   * Knowledge is written while this instance acts for a shard at least (the write filter keeps out the writes
   * of the others), set again whenever the shards it acts for change. Set only from `ready`: a lease that
   * changes while a newly taken shard's state is read must not leave that shard, once ready, unwritten.
   */
  private writeWhileActing(): void {
    this.knowledge.setWritable(this.ready.size > 0);
  }

  private async follow(shard: string, lease: RedisLease, token: number | undefined, reason: string): Promise<void> {
    if (token === undefined) {
      this.reads.lost(shard);
      if (this.ready.delete(shard) && this.running.has(shard)) this.eventsSubject.next({ kind: 'lost', shard, reason });
      this.writeWhileActing();
      return;
    }
    if (this.ready.get(shard) === token) return;
    this.following.add(shard);
    try {
      await this.knowledge.flush().catch(() => undefined); // what this instance wrote for its other shards is in the store
      await this.knowledge.reload((policy) => this.options.shardOf(policy.slice(0, Math.max(0, policy.lastIndexOf('/')))) === shard);
    } catch (error) {
      // not acting on state it could not read: read again later, or give the lease up (unless it moved on meanwhile)
      const now = lease.current;
      if (!this.stopped && now.role === 'leader' && now.token === token) this.reads.failed(shard, token, error);
      return;
    } finally {
      this.following.delete(shard);
    }
    if (lease.current.role !== 'leader' || lease.current.token !== token) return;
    this.reads.worked(shard);
    this.ready.set(shard, token);
    this.writeWhileActing();
    this.options.onShard?.(shard, token);
    this.eventsSubject.next({ kind: 'takeover', shard, token });
  }
}
