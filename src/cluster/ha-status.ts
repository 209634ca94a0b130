import type { Observable } from 'rxjs';

/** One lease (shard) as this instance sees it, for `/health`. */
export interface LeaseHealth {
  /** The lease's name: `root` for the whole tree, else a shard. */
  readonly shard: string;
  /** `leader`: acts under `token`; `waiting`: holds the lease but waits out an old holder; `standby`: does not act. */
  readonly role: 'leader' | 'waiting' | 'standby';
  /** The fencing token this instance acts under (leader and waiting only). */
  readonly token?: number;
  /** The owner holding the lease as last seen (this instance's own name when it leads). */
  readonly holder?: string;
}

/** Something that happened to a lease, for metrics and logs. */
export type LeaseEvent =
  | { readonly kind: 'renewed'; readonly shard: string; readonly latencyMs: number }
  | { readonly kind: 'takeover'; readonly shard: string; readonly token: number }
  | { readonly kind: 'lost'; readonly shard: string; readonly reason: string };

/**
 * What the service shows of its part in a highly available deployment: which leases it holds (in `/health`
 * and `homeostat_leader`) and what happens to them (renewal latency, takeovers, leases lost).
 */
export interface HaView {
  /** This instance's name (the lease owner). */
  readonly owner: string;
  /** Every lease this instance competes for, now. */
  health(): LeaseHealth[];
  /** Renewals, takeovers and losses as they happen. */
  readonly events$: Observable<LeaseEvent>;
  /** Why this instance is not ready as a member of the deployment (`/ready`), or undefined when it is. */
  notReady?(): string | undefined;
}
