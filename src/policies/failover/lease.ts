import type { Entity } from '../../core/entity.js';

/** The sensor in which a database says until when (scheduler time, ms) it may take writes without being reached. */
export const LEASE_SENSOR = 'lease.until';

/**
 * Until when (ms) a database may still take writes as a primary without being reached again: the `lease.until`
 * it published at the last poll that reached it (Patroni's leader key, Redis's `min-replicas-max-lag`: a
 * primary nobody reaches for that long stops taking writes by itself). Undefined for a database that holds
 * no lease: nothing then says an unreachable primary has stopped, short of fencing it. The latest reading,
 * stale or not: a reading goes stale when nothing reaches the database, which is when its lease matters, and
 * the time it names does not age (a feed's staleness bound, far shorter than a lease, would otherwise turn a
 * lease that still holds into none, and a best-effort fence would promote beside it).
 */
export function leaseUntil(db: Entity): number | undefined {
  return db.hasSensor(LEASE_SENSOR) ? db.sensor<number>(LEASE_SENSOR).current?.value : undefined;
}

/** How a failover treats an old primary it cannot reach, by its lease. */
export type LeaseStance =
  /** It holds no lease: only a fence says it stopped (`fence: best-effort` promotes without one, at that risk). */
  | { readonly kind: 'none' }
  /** Its lease may still hold until `until`: the failover waits for it. */
  | { readonly kind: 'held'; readonly until: number }
  /** Its lease ran out at `until`: it takes no writes since, so the promotion needs no fence. */
  | { readonly kind: 'expired'; readonly until: number };

/** The stance towards old primary `db` at `now` (ms). */
export function leaseStance(db: Entity | undefined, now: number): LeaseStance {
  const until = db === undefined ? undefined : leaseUntil(db);
  if (until === undefined) return { kind: 'none' };
  return until > now ? { kind: 'held', until } : { kind: 'expired', until };
}

/** Why a failover waits for old primary `old`, whose lease holds until `until` (ms). */
export function waitingForLease(old: string, until: number): string {
  return `${old} may still be taking its clients' writes (if it is cut off from homeostat rather than crashed: a partition) until its lease runs out at ${until / 1000} s, and a fence across a partition fails, so promoting before then could make two writable primaries: waiting (whatever fence says), reconsidered when the lease runs out`;
}

/** Why a failover promotes without fencing `old`, whose lease ran out at `until` (ms). */
export function leaseRanOut(old: string, until: number): string {
  return `; ${old}'s lease ran out at ${until / 1000} s, so it takes no writes since (a primary nobody reaches stops by itself) and is not fenced first`;
}
