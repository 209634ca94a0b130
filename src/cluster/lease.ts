import type { Redis } from 'ioredis';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { isCluster } from '../knowledge/redis/redis-connection.js';
import { RedisKeys } from '../knowledge/redis/redis-keys.js';
import { ACQUIRE_SCRIPT, RELEASE_SCRIPT } from './lease-script.js';

/** Settings of one lease. */
export interface LeaseOptions {
  /** The lease's name, e.g. a shard (`root`, `site-a`). */
  readonly name: string;
  /** Who asks: unique per instance (host, pid and a random part). */
  readonly owner: string;
  /** Namespace of the deployment's keys (the hash tag). */
  readonly namespace: string;
  /** Lease time (ms). Default 2 000. */
  readonly ttlMs?: number;
  /** Renewals per lease time. Default 4 (every 500 ms with the default ttl). */
  readonly renewalsPerTtl?: number;
  /** The holder stops acting this long before its lease could expire (ms). Default ttl / 4. */
  readonly safetyMarginMs?: number;
  /** Replicas that must acknowledge a take or renewal (Redis WAIT) before it counts. Default 0. */
  readonly minReplicaAcks?: number;
  /**
   * How the instances cut the tree into leases (see `shardLayout`): no lease is taken or renewed while
   * instances of another layout hold leases on this Redis, whose leases would cover the same entities under
   * other names. Default `WHOLE_TREE_LAYOUT` (one lease for the whole tree).
   */
  readonly layout?: string;
}

/** The layout of instances that share one lease for the whole tree (`--ha` without `--shards`). */
export const WHOLE_TREE_LAYOUT = 'whole tree';

/** The Redis key naming the layout of the instances that hold leases in a namespace. */
export function layoutKey(namespace: string): string {
  return `homeostat:{${namespace}}:layout`;
}

/** The Redis key of a lease (value: `owner|token`, see `leaseHolder`), for scripts that check who holds it. */
export function leaseKey(namespace: string, name: string): string {
  return new RedisKeys(namespace).lease(name);
}

/**
 * When to ask for the lease next (ms). The holder renews, and a standby polls, every renewal interval; but a
 * standby that saw another holder's lease run out sooner than that asks again right after it runs out
 * (`HOLDER_EXPIRY_SLACK_MS` later), so a dead leader is replaced at its lease's expiry instead of up to one
 * renewal interval after it. Asking early is always safe: Redis decides atomically who holds the lease.
 * @param otherLeftMs what Redis said was left of another instance's lease, or undefined when none was seen
 */
export function nextAttemptDelayMs(renewEveryMs: number, otherLeftMs: number | undefined): number {
  if (otherLeftMs === undefined || !Number.isFinite(otherLeftMs) || otherLeftMs < 0) return renewEveryMs;
  return Math.min(renewEveryMs, otherLeftMs + HOLDER_EXPIRY_SLACK_MS);
}

/** A standby asks this long (ms) after the holder's lease should have run out, for Redis to see it expired. */
export const HOLDER_EXPIRY_SLACK_MS = 2;

/** What an instance knows of the lease at a moment. */
export type LeaseState =
  | { readonly role: 'leader'; readonly token: number; readonly validForMs: number }
  | { readonly role: 'waiting'; readonly token: number; readonly waitMs: number; readonly reason: string }
  | { readonly role: 'follower'; readonly reason: string };

/**
 * A lease in Redis with a fencing token, as one instance holds it. Timing is on this process's monotonic
 * clock: the holder counts its lease from when it *asked* for the renewal, and stops acting a safety margin
 * before that could run out, even while Redis does not answer (Patroni demotes itself the same way). A
 * lease that vanished early is not taken as free: the taker waits out what the old holder may still hold.
 * This is real time on purpose: a lease is about other processes, not about the loop's scheduler.
 */
export class RedisLease {
  private readonly ttlMs: number;
  private readonly marginMs: number;
  private readonly renewEveryMs: number;
  private readonly keys: { lease: string; counter: string; expiry: string; layout: string };
  private readonly stateSubject = new BehaviorSubject<LeaseState>({ role: 'follower', reason: 'not started' });
  private token: number | undefined;
  private validUntil = -Infinity;
  private actFrom = Infinity;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private running = false;
  /** Whether an acquisition was ever sent (its answer may have been lost): `stop` then releases. */
  private asked = false;
  private readonly renewalsSubject = new Subject<number>();
  private otherHolder: string | undefined;
  /** Time left (ms) on another instance's lease at the last attempt, or undefined when none was seen. */
  private otherLeftMs: number | undefined;
  private readonly problemSubject = new BehaviorSubject<string | undefined>(undefined);
  /** Until when (this process's monotonic clock) the lease is not asked for (see `standAside`). */
  private asideUntil = -Infinity;
  /** Renewal round trips (ms), newest last, at most 100. */
  readonly renewalLatencies: number[] = [];

  /** @throws RangeError when the margin is not below the lease time, or replica acks are asked of a Redis Cluster */
  constructor(private readonly redis: Redis, private readonly options: LeaseOptions) {
    this.ttlMs = options.ttlMs ?? 2_000;
    this.marginMs = options.safetyMarginMs ?? this.ttlMs / 4;
    this.renewEveryMs = this.ttlMs / (options.renewalsPerTtl ?? 4);
    if (!(this.marginMs >= 0 && this.marginMs < this.ttlMs - this.renewEveryMs)) throw new RangeError(`lease ${options.name}: the safety margin (${this.marginMs} ms) must be below the lease time less one renewal interval`);
    if ((options.minReplicaAcks ?? 0) > 0 && isCluster(redis)) throw new RangeError(`lease ${options.name}: replica acknowledgements (WAIT) are not available on Redis Cluster, whose client cannot send a command without keys to the lease's node`);
    const base = leaseKey(options.namespace, options.name);
    this.keys = { lease: base, counter: `homeostat:{${options.namespace}}:lease-token`, expiry: `${base}:expiry`, layout: layoutKey(options.namespace) };
  }

  /** The lease state as it changes. */
  get state$(): Observable<LeaseState> {
    return this.stateSubject.asObservable();
  }

  /** The lease state now. */
  get current(): LeaseState {
    return this.stateSubject.value;
  }

  /**
   * What is wrong with the lease's keys in Redis as last seen (a value that names no holder, a lease with no
   * expiry, a counter that is not an integer, a key of another type, a script Redis refused), or undefined;
   * emitted as it changes. See `ACQUIRE_SCRIPT` for what heals on its own.
   */
  get problem$(): Observable<string | undefined> {
    return this.problemSubject.asObservable();
  }

  /** The round trip (ms) of every successful take or renewal, replica acknowledgements included. */
  get renewals$(): Observable<number> {
    return this.renewalsSubject.asObservable();
  }

  /** The lease's name (its shard). */
  get name(): string {
    return this.options.name;
  }

  /** The lease time (ms). */
  get leaseMs(): number {
    return this.ttlMs;
  }

  /** Who asks for it: this instance's name. */
  get owner(): string {
    return this.options.owner;
  }

  /** Who holds the lease as last seen: this instance's owner, another's, or undefined when unknown or free. */
  get holder(): string | undefined {
    return this.token !== undefined ? this.options.owner : this.otherHolder;
  }

  /** The fencing token if this instance may act right now, else undefined. Cheap: call before every action. */
  actingToken(): number | undefined {
    const now = performance.now();
    if (this.token === undefined || now >= this.validUntil || now < this.actFrom) return undefined;
    return this.token;
  }

  /** Starts taking and renewing the lease in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** Stops renewing and gives the lease up (if held) so a standby takes over at once. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.renewing;
    this.drop('stopped');
    // released whether this instance knew it held the lease or not: an acquisition whose answer was lost (a
    // command timeout while Redis was slow) may still have run and named it; the script deletes only its own
    if (this.asked) await this.redis.eval(RELEASE_SCRIPT, 2, this.keys.lease, this.keys.expiry, this.options.owner).catch(() => undefined);
  }

  /**
   * Gives the lease up (if held) and does not ask for it again for `forMs`, so that another instance can take
   * it: for a holder that cannot act on it (it cannot read knowledge). Stops acting at once; the state becomes
   * `follower` with `reason`. A renewal under way when this is called is waited for, then released.
   */
  async standAside(forMs: number, reason: string): Promise<void> {
    this.asideUntil = performance.now() + forMs;
    await this.renewing;
    this.drop(reason);
    await this.redis.eval(RELEASE_SCRIPT, 2, this.keys.lease, this.keys.expiry, this.options.owner).catch(() => undefined);
  }

  private tick(): void {
    if (!this.running) return;
    this.renewing = this.renew().finally(() => {
      this.renewing = undefined;
      if (this.running) this.timer = setTimeout(() => this.tick(), nextAttemptDelayMs(this.renewEveryMs, this.otherLeftMs));
    });
  }

  private async renew(): Promise<void> {
    const askedAt = performance.now();
    if (askedAt < this.asideUntil) {
      this.otherLeftMs = undefined;
      return;
    }
    this.asked = true;
    try {
      const [token, waitMs, holder, why, problem] = (await this.redis.eval(ACQUIRE_SCRIPT, 4, this.keys.lease, this.keys.counter, this.keys.expiry, this.keys.layout, this.options.owner, this.ttlMs, this.options.layout ?? WHOLE_TREE_LAYOUT)) as [string | null, number, string | null, string | null, string | null];
      this.report(problem ?? undefined);
      this.otherHolder = token === null ? holder ?? undefined : undefined;
      this.otherLeftMs = token === null && Number(waitMs) >= 0 ? Number(waitMs) : undefined;
      if (why === 'layout') return this.drop(otherLayout(waitMs));
      if (why === 'malformed') return this.drop(`the lease's keys are malformed: ${problem ?? 'see the log'}`);
      if (token === null) return this.drop(`held by another instance for ${waitMs} ms more`);
      const minAcks = this.options.minReplicaAcks ?? 0;
      if (minAcks > 0) {
        const acks = (await this.redis.wait(minAcks, Math.max(1, Math.floor(this.renewEveryMs / 2)))) as number;
        if (acks < minAcks) return this.drop(`only ${acks} of ${minAcks} replicas acknowledged the lease`);
      }
      const latency = performance.now() - askedAt;
      this.renewalLatencies.push(latency);
      if (this.renewalLatencies.length > 100) this.renewalLatencies.shift();
      this.renewalsSubject.next(latency);
      const fresh = this.token !== Number(token);
      this.token = Number(token);
      this.validUntil = askedAt + this.ttlMs - this.marginMs;
      if (fresh) this.actFrom = askedAt + waitMs;
      this.publish();
    } catch (error) {
      this.otherLeftMs = undefined;
      // Redis refused the script (a key of a type it cannot handle, a script error): it would again; a timeout or
      // a lost connection is the store's to report
      if (error instanceof Error && error.name === 'ReplyError') this.report(`Redis refused the lease script: ${error.message}`);
      // Redis did not answer: keep acting only while the lease we already had must still be ours
      if (performance.now() >= this.validUntil) this.drop(`cannot renew: ${error instanceof Error ? error.message : String(error)}`);
      else this.publish();
    }
  }

  private report(problem: string | undefined): void {
    if (problem !== this.problemSubject.value) this.problemSubject.next(problem);
  }

  private publish(): void {
    const now = performance.now();
    if (this.token === undefined) return;
    const next: LeaseState = now < this.actFrom
      ? { role: 'waiting', token: this.token, waitMs: this.actFrom - now, reason: 'the lease vanished before its recorded expiry: waiting out the old holder' }
      : { role: 'leader', token: this.token, validForMs: this.validUntil - now };
    const last = this.stateSubject.value;
    if (last.role !== next.role || ('token' in last && last.token !== next.token)) this.stateSubject.next(next);
  }

  private drop(reason: string): void {
    this.token = undefined;
    this.validUntil = -Infinity;
    this.actFrom = Infinity;
    const last = this.stateSubject.value;
    if (last.role !== 'follower' || last.reason !== reason) this.stateSubject.next({ role: 'follower', reason });
  }
}

/** Who holds the leases when an instance of another layout does not compete. */
export const OTHER_LAYOUT_ACTS = "instances that cut the tree into other leases (another blueprint's shards, or --ha with and without --shards) act on this Redis";

/** Why a lease is not taken while instances of another layout hold leases. */
export function otherLayout(leftMs: number): string {
  return `${OTHER_LAYOUT_ACTS}: not competing while they do (their layout holds ${leftMs} ms more at least)`;
}
