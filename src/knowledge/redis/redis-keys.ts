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

  /** Latest sensor readings, field `entity\0sensor`. */
  get snapshots(): string {
    return `${this.base}:snapshots`;
  }
}
