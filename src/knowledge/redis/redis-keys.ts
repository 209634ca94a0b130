/**
 * Key names of one homeostat deployment in Redis. Every key carries the same hash tag (`{namespace}`) so that a
 * transaction or script touching several of them runs on Redis Cluster too (one slot).
 */
export class RedisKeys {
  private readonly base: string;

  /**
   * @param namespace one deployment's keys (several deployments can share a Redis); letters, digits, `._-`
   * @param prefix every key starts with it; default `homeostat`
   * @throws RangeError when the namespace holds other characters (braces would break the hash tag)
   */
  constructor(readonly namespace: string, prefix = 'homeostat') {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(namespace)) throw new RangeError(`Redis namespace '${namespace}' must be 1-100 letters, digits, '.', '_' or '-'`);
    this.base = `${prefix}:{${namespace}}`;
  }

  /** A key of a log (`decisions`, `invocations`, `faults`, `audit`): its data hash, sequence and time indexes. */
  log(log: string, part: 'data' | 'seq' | 'by-seq' | 'by-at' | 'counter'): string {
    return `${this.base}:${log}:${part}`;
  }

  /** A log's index of the records whose `field` has `value`, ordered by sequence. */
  logIndex(log: string, field: string, value: string): string {
    return `${this.base}:${log}:idx:${field}:${encodeURIComponent(value)}`;
  }

  /** One policy's state hash. */
  policyState(policy: string): string {
    return `${this.base}:state:${encodeURIComponent(policy)}`;
  }

  /** The set of policy ids that have state. */
  get policies(): string {
    return `${this.base}:state-policies`;
  }

  /** A lease (`root`, or a shard): its value names the holder and its fencing token (see `leaseHolder`). */
  lease(name: string): string {
    return `${this.base}:lease:${encodeURIComponent(name)}`;
  }

  /** The name of the blueprint whose knowledge the namespace holds (see `claimNamespace`). */
  get blueprint(): string {
    return `${this.base}:blueprint`;
  }

  /** Latest sensor readings, field `entity\0sensor`. */
  get snapshots(): string {
    return `${this.base}:snapshots`;
  }
}

/** The value of a lease key while `owner` holds it under `token`. */
export function leaseHolder(owner: string, token: number): string {
  return `${owner}|${token}`;
}

/** The holder a lease key's value names, or undefined for an empty or malformed value (nobody holds it). */
export function parseLeaseHolder(value: string | null | undefined): { owner: string; token: number } | undefined {
  const match = value ? /^(.*)\|(\d+)$/s.exec(value) : null;
  return match ? { owner: match[1] as string, token: Number(match[2]) } : undefined;
}
