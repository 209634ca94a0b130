import type { WriteFence } from './store.js';

/** Tokens remembered per lease and writer: the latest few it lost, newest last. */
const REMEMBERED_PER_LEASE = 8;

/**
 * The leases (name, writer and token) a store refused writes under, so that later writes under the same one are
 * dropped without being sent. Only the latest few tokens of each lease and writer are kept: a writer makes new
 * writes only under the token it holds now, so a write under an older lost token can only be one it made just
 * before it noticed; a process whose leadership moves back and forth for months keeps a few numbers per lease,
 * not one per move. A token forgotten here is still refused by the store, which stays the authority.
 */
export class DeadFences {
  private readonly tokensByLease = new Map<string, number[]>();

  /** Remembers `fence` as lost. */
  add(fence: WriteFence): void {
    const key = leaseKey(fence);
    const tokens = this.tokensByLease.get(key) ?? [];
    if (tokens.includes(fence.token)) return;
    tokens.push(fence.token);
    if (tokens.length > REMEMBERED_PER_LEASE) tokens.shift();
    this.tokensByLease.set(key, tokens);
  }

  /** True when writes under `fence` are known to be refused. */
  has(fence: WriteFence): boolean {
    return this.tokensByLease.get(leaseKey(fence))?.includes(fence.token) ?? false;
  }

  /** Tokens remembered in all (for tests and diagnostics). */
  get size(): number {
    let count = 0;
    for (const tokens of this.tokensByLease.values()) count += tokens.length;
    return count;
  }
}

function leaseKey(fence: WriteFence): string {
  return `${fence.lease}\u0000${fence.owner}`;
}
