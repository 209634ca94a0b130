import type { Redis } from 'ioredis';
import type { SharedArbitration, SharedOperation } from '../core/engine/shared-arbitration.js';
import type { Verdict } from '../core/engine/arbiter.js';
import { ACQUIRE_OPERATION_SCRIPT, RENEW_OPERATIONS_SCRIPT } from './shared-holds-script.js';

/** Settings of the holds and budgets shared by the instances of one sharded deployment. */
export interface SharedHoldsOptions {
  /** Namespace of the deployment's keys (the hash tag: every key in one slot of a Redis Cluster). */
  readonly namespace: string;
  /** This instance's unique name (in operation ids). */
  readonly owner: string;
  /** How long a hold outlives its instance's last renewal (ms). Default 2 000 (the lease time). */
  readonly holdMs?: number;
  /** Whether this instance decides for an entity now (holds its shard). Default: always. */
  readonly actsFor?: (entity: string) => boolean;
}

/**
 * Arbitration across the instances of a sharded deployment, in Redis: each operation that runs is a hold in
 * one hash (its scope, policy and expiry) and a stamp in the sorted set of each budget it spends; one Lua
 * script checks and records, so two instances never both pass the last slot of a budget or both start under
 * each other's hold. Holds of running operations are renewed every third of the hold time; those of a dead
 * instance expire within one hold time. Redis' clock only, so the instances' clocks need not agree.
 */
export class RedisSharedHolds implements SharedArbitration {
  private readonly holdsKey: string;
  private readonly budgetPrefix: string;
  private readonly holdMs: number;
  private readonly running = new Set<string>();
  private sequence = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly redis: Redis, private readonly options: SharedHoldsOptions) {
    this.holdMs = options.holdMs ?? 2_000;
    this.holdsKey = `homeostat:{${options.namespace}}:holds`;
    this.budgetPrefix = `homeostat:{${options.namespace}}:budget:`;
  }

  async acquire(operation: SharedOperation): Promise<{ readonly id: string } | { readonly verdict: Verdict }> {
    const id = `${this.options.owner}#${++this.sequence}`;
    const keys = [this.holdsKey, ...operation.budgets.map((b) => this.budgetPrefix + encodeURIComponent(b.entity))];
    const answer = (await this.redis.eval(ACQUIRE_OPERATION_SCRIPT, keys.length, ...keys, id, operation.policy, operation.scope, this.holdMs, JSON.stringify(operation.covered), JSON.stringify(operation.budgets), this.options.owner)) as [string, string?];
    const [outcome, detail] = answer;
    if (outcome === 'preempted' || outcome === 'rate_limited') return { verdict: { outcome, detail: detail ?? outcome } };
    this.running.add(id);
    this.timer ??= setInterval(() => void this.renew(), this.holdMs / 3).unref();
    return { id };
  }

  actsFor(entity: string): boolean {
    return this.options.actsFor?.(entity) ?? true;
  }

  async release(id: string): Promise<void> {
    this.running.delete(id);
    if (this.running.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    // a release that fails leaves the hold to expire within one hold time
    await this.redis.hdel(this.holdsKey, id).catch(() => undefined);
  }

  /** Stops renewing (holds still held expire within one hold time). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async renew(): Promise<void> {
    if (this.running.size === 0) return;
    // Redis not answering: the holds expire, as the leases do, and nothing here acts meanwhile
    await this.redis.eval(RENEW_OPERATIONS_SCRIPT, 1, this.holdsKey, this.holdMs, ...this.running).catch(() => undefined);
  }
}
