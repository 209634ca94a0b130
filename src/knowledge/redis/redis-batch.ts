import type { ChainableCommander, Redis } from 'ioredis';
import type { InvocationRecord } from '../../effectors/invocation.js';
import type { AuditEntry } from '../audit-entry.js';
import type { Decision, PolicyFault } from '../decision.js';
import type { FencedWrites, WriteFence, WriteOp } from '../store.js';
import { fenceId } from '../write-descriptions.js';
import { leaseHolder, parseLeaseHolder, type RedisKeys } from './redis-keys.js';
import type { RedisLog } from './redis-log.js';
import { snapshotField } from './redis-snapshot-read.js';

/**
 * Applies a run of writes made under one lease only while that lease names their writer and token: checked
 * once, then every write, in one step. KEYS[1]: the lease; ARGV[1]: the holder (`owner|token`); then per write
 * ARGV: its kind (`append`, `set`, `del`), how many keys and arguments it has, and its arguments; its keys
 * follow in KEYS, in order. `append` takes a log's keys and arguments as RedisLog's APPEND_SCRIPT does and
 * appends in the same steps; `set` sets a hash field (KEYS: hash, [set]; ARGV: field, json, [member added to
 * the set]); `del` deletes one (KEYS: hash; ARGV: field). Replies how many were written, or {'fenced', the
 * lease's value or ''} without writing any.
 */
const FENCED_RUN_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then return {'fenced', current or ''} end
local k, a, n = 2, 2, 0
while a <= #ARGV do
  local kind, nkeys, nargs = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  if kind == 'append' then
    local id, json, at = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
    local seq = redis.call('HGET', KEYS[k + 1], id)
    if not seq then
      seq = redis.call('INCR', KEYS[k + 4])
      redis.call('HSET', KEYS[k + 1], id, seq)
    end
    redis.call('HSET', KEYS[k], id, json)
    redis.call('ZADD', KEYS[k + 2], seq, id)
    redis.call('ZADD', KEYS[k + 3], at, id)
    for i = k + 5, k + nkeys - 1 do redis.call('ZADD', KEYS[i], seq, id) end
  elseif kind == 'set' then
    redis.call('HSET', KEYS[k], ARGV[a], ARGV[a + 1])
    if nkeys == 2 then redis.call('SADD', KEYS[k + 1], ARGV[a + 2]) end
  else
    redis.call('HDEL', KEYS[k], ARGV[a])
  end
  k, a, n = k + nkeys, a + nargs, n + 1
end
return n
`;

/** Writes in one run at most: a script's keys and arguments are spread into one call, whose size is bounded. */
const MAX_RUN = 1_000;

type RunWriter = ChainableCommander & { homeostatFencedRun(numKeys: number, ...args: (string | number)[]): ChainableCommander };

/** The logs a batch appends to. */
export interface BatchLogs {
  readonly decisions: RedisLog<Decision>;
  readonly invocations: RedisLog<InvocationRecord>;
  readonly faults: RedisLog<PolicyFault>;
  readonly audit: RedisLog<AuditEntry>;
}

/** Consecutive writes made under one lease and token, sent as one script. */
interface Run {
  readonly fence: WriteFence;
  readonly ops: WriteOp[];
  readonly keys: string[];
  readonly args: (string | number)[];
}

/** A run queued on the transaction: the index of its reply. */
interface QueuedRun {
  readonly reply: number;
  readonly run: Run;
}

/**
 * One batch of writes as one MULTI/EXEC transaction. A write without a fence (and every audit entry) is queued
 * as before; consecutive writes made under one lease and token go as one script that checks the lease and
 * writes them in the same step, so they are applied only while that lease is still their writer's. The order
 * of the batch is kept. A transaction runs whole, so every write of one lease in a batch meets the same lease:
 * all are applied, or all refused.
 */
export class RedisBatch {
  private replies = 0;
  private run: Run | undefined;
  private readonly runs: QueuedRun[] = [];

  constructor(private readonly tx: ChainableCommander, private readonly keys: RedisKeys, private readonly logs: BatchLogs) {}

  /** Defines the script of fenced runs on a client (once per client). */
  static prepare(redis: Redis): void {
    if (!('homeostatFencedRun' in redis)) redis.defineCommand('homeostatFencedRun', { lua: FENCED_RUN_SCRIPT });
  }

  /** Queues the writes in order. */
  add(ops: readonly WriteOp[]): this {
    for (const op of ops) {
      if (op.fence && op.kind !== 'audit') this.fenced(op, op.fence);
      else this.plain(op);
    }
    this.endRun();
    return this;
  }

  /** Runs the transaction: its replies, or null when it was aborted. */
  exec(): Promise<[Error | null, unknown][] | null> {
    return this.tx.exec();
  }

  /**
   * The writes the transaction refused, by lease and token (from its replies, in the order queued). A reply
   * that is an error is the caller's to throw; this reads only the fenced runs' replies.
   */
  refused(results: readonly [Error | null, unknown][]): FencedWrites[] {
    const byLease = new Map<string, { fence: WriteFence; ops: WriteOp[]; holder?: { owner: string; token: number } }>();
    for (const { reply, run } of this.runs) {
      const value = results[reply]?.[1];
      if (!(Array.isArray(value) && value[0] === 'fenced')) continue;
      const id = fenceId(run.fence);
      let group = byLease.get(id);
      if (!group) {
        const holder = parseLeaseHolder(typeof value[1] === 'string' ? value[1] : undefined);
        byLease.set(id, (group = { fence: run.fence, ops: [], ...(holder ? { holder } : {}) }));
      }
      group.ops.push(...run.ops);
    }
    return [...byLease.values()];
  }

  private plain(op: WriteOp): void {
    this.endRun();
    switch (op.kind) {
      case 'decision':
        this.logs.decisions.append(this.tx, op.value);
        break;
      case 'invocation':
        this.logs.invocations.append(this.tx, op.value);
        break;
      case 'fault':
        this.logs.faults.append(this.tx, op.value);
        break;
      case 'audit':
        // the API's record of a request it took: written whoever holds the lease
        this.logs.audit.append(this.tx, op.value);
        break;
      case 'state':
        if (op.value === undefined) this.tx.hdel(this.keys.policyState(op.policy), op.key);
        else {
          this.tx.hset(this.keys.policyState(op.policy), op.key, JSON.stringify(op.value)).sadd(this.keys.policies, op.policy);
          this.replies += 1;
        }
        break;
      case 'snapshot':
        this.tx.hset(this.keys.snapshots, snapshotField(op.value.entity, op.value.sensor), JSON.stringify(op.value));
        break;
    }
    this.replies += 1;
  }

  private fenced(op: Exclude<WriteOp, { kind: 'audit' }>, fence: WriteFence): void {
    const open = this.run;
    if (open && (open.ops.length >= MAX_RUN || open.fence.token !== fence.token || open.fence.lease !== fence.lease || open.fence.owner !== fence.owner)) this.endRun();
    const run = (this.run ??= { fence, ops: [], keys: [this.keys.lease(fence.lease)], args: [leaseHolder(fence.owner, fence.token)] });
    run.ops.push(op);
    const add = (kind: string, keys: readonly string[], args: readonly (string | number)[]): void => {
      run.keys.push(...keys);
      run.args.push(kind, keys.length, args.length, ...args);
    };
    switch (op.kind) {
      case 'decision': {
        const { keys, args } = this.logs.decisions.appendOf(op.value);
        return add('append', keys, args);
      }
      case 'invocation': {
        const { keys, args } = this.logs.invocations.appendOf(op.value);
        return add('append', keys, args);
      }
      case 'fault': {
        const { keys, args } = this.logs.faults.appendOf(op.value);
        return add('append', keys, args);
      }
      case 'state':
        if (op.value === undefined) return add('del', [this.keys.policyState(op.policy)], [op.key]);
        return add('set', [this.keys.policyState(op.policy), this.keys.policies], [op.key, JSON.stringify(op.value), op.policy]);
      case 'snapshot':
        return add('set', [this.keys.snapshots], [snapshotField(op.value.entity, op.value.sensor), JSON.stringify(op.value)]);
    }
  }

  private endRun(): void {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    (this.tx as RunWriter).homeostatFencedRun(run.keys.length, ...run.keys, ...run.args);
    this.runs.push({ reply: this.replies, run });
    this.replies += 1;
  }
}
