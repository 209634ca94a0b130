import type { ChainableCommander, Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/**
 * Appends (or replaces, by id) one record: a record keeps the sequence number of its first write, so a
 * record updated in place (a coalesced decision) keeps its place in the log. Idempotent: writing the same
 * record twice changes nothing, so a batch retried after an unknown result is safe.
 * KEYS: data, seq, by-seq, by-at, counter, index keys...; ARGV: id, json, at.
 */
const APPEND_SCRIPT = `
local id, json, at = ARGV[1], ARGV[2], tonumber(ARGV[3])
local seq = redis.call('HGET', KEYS[2], id)
if not seq then
  seq = redis.call('INCR', KEYS[5])
  redis.call('HSET', KEYS[2], id, seq)
end
redis.call('HSET', KEYS[1], id, json)
redis.call('ZADD', KEYS[3], seq, id)
redis.call('ZADD', KEYS[4], at, id)
for i = 6, #KEYS do redis.call('ZADD', KEYS[i], seq, id) end
return seq
`;

/** What the log needs of a record. */
export interface LogRecord {
  readonly at: number;
}

/** Retention of one log: by count, and by age relative to the newest record. */
export interface LogRetention {
  readonly maxCount: number;
  /** Records older than the newest one by more than this are dropped (ms); unbounded when undefined. */
  readonly maxAgeMs?: number;
}

type PipelineAppender = ChainableCommander & { homeostatAppend(numKeys: number, ...args: (string | number)[]): ChainableCommander };

const PAGE = 256;

/**
 * A bounded, queryable log of records in Redis: a hash of JSON by id, a sorted set by write sequence (newest
 * first reads), one by time (age retention), and one sorted set per indexed field value (entity, policy...)
 * so that filtered queries read only matching records.
 */
export class RedisLog<T extends LogRecord> {
  private writesSinceTrim = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly name: string,
    private readonly idOf: (record: T) => string,
    private readonly indexed: readonly (keyof T & string)[],
    private readonly retention: LogRetention,
  ) {
    if (!('homeostatAppend' in redis)) redis.defineCommand('homeostatAppend', { lua: APPEND_SCRIPT });
  }

  /** Queues the append of a record on a transaction. */
  append(tx: ChainableCommander, record: T): void {
    const { keys, args } = this.appendOf(record);
    (tx as PipelineAppender).homeostatAppend(keys.length, ...keys, ...args);
  }

  /**
   * The keys and arguments of the append of a record, as `APPEND_SCRIPT` takes them (KEYS: data, seq, by-seq,
   * by-at, counter, index keys...; ARGV: id, json, at), for a script that appends in the same steps; counted
   * as a write for retention.
   */
  appendOf(record: T): { keys: string[]; args: [string, string, number] } {
    const indexKeys = this.indexed.map((field) => this.keys.logIndex(this.name, field, String(record[field])));
    const logKeys = (['data', 'seq', 'by-seq', 'by-at', 'counter'] as const).map((part) => this.keys.log(this.name, part));
    this.writesSinceTrim += 1;
    return { keys: [...logKeys, ...indexKeys], args: [this.idOf(record), JSON.stringify(record), record.at] };
  }

  /** Drops what retention no longer keeps, now and then (not on every write: it reads before it deletes). */
  async trimIfDue(): Promise<void> {
    if (this.writesSinceTrim < Math.max(16, this.retention.maxCount / 10)) return;
    this.writesSinceTrim = 0;
    await this.trim();
  }

  /** Drops the records over the count bound and those older than the age bound. */
  async trim(): Promise<void> {
    const bySeq = this.keys.log(this.name, 'by-seq');
    const byAt = this.keys.log(this.name, 'by-at');
    const count = await this.redis.zcard(bySeq);
    const doomed = new Set<string>(count > this.retention.maxCount ? await this.redis.zrange(bySeq, '0', String(count - this.retention.maxCount - 1)) : []);
    if (this.retention.maxAgeMs !== undefined) {
      const newest = await this.redis.zrange(byAt, '-1', '-1', 'WITHSCORES');
      const newestAt = Number(newest[1]);
      if (Number.isFinite(newestAt)) for (const id of await this.redis.zrangebyscore(byAt, '-inf', `(${newestAt - this.retention.maxAgeMs}`)) doomed.add(id);
    }
    if (doomed.size === 0) return;
    const ids = [...doomed];
    const records = await this.read(ids);
    const tx = this.redis.multi();
    tx.hdel(this.keys.log(this.name, 'data'), ...ids).hdel(this.keys.log(this.name, 'seq'), ...ids).zrem(bySeq, ...ids).zrem(byAt, ...ids);
    records.forEach((record, i) => {
      if (!record) return;
      for (const field of this.indexed) tx.zrem(this.keys.logIndex(this.name, field, String(record[field])), ids[i] as string);
    });
    await tx.exec();
  }

  /** One record by id. */
  async get(id: string): Promise<T | undefined> {
    const json = await this.redis.hget(this.keys.log(this.name, 'data'), id);
    return json === null ? undefined : (JSON.parse(json) as T);
  }

  /**
   * Newest first, at most `limit`, matching `predicate`; reads through the index of `by` when given (the most
   * selective filter the caller has), page by page, so it stops as soon as it has enough.
   */
  async newestFirst(predicate: (record: T) => boolean, limit: number, by?: { field: keyof T & string; value: string }): Promise<T[]> {
    const source = by ? this.keys.logIndex(this.name, by.field, by.value) : this.keys.log(this.name, 'by-seq');
    const out: T[] = [];
    for (let start = 0; out.length < limit; start += PAGE) {
      const ids = await this.redis.zrevrange(source, start, start + PAGE - 1);
      if (ids.length === 0) break;
      for (const record of await this.read(ids)) {
        if (record && predicate(record)) out.push(record);
        if (out.length >= limit) break;
      }
      if (ids.length < PAGE) break;
    }
    return out;
  }

  private async read(ids: readonly string[]): Promise<(T | undefined)[]> {
    if (ids.length === 0) return [];
    const values = await this.redis.hmget(this.keys.log(this.name, 'data'), ...ids);
    return values.map((json) => (json === null ? undefined : (JSON.parse(json) as T)));
  }
}
