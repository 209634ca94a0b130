import type { ChainableCommander, Redis } from 'ioredis';
import type { InvocationRecord } from '../../effectors/invocation.js';
import type { AuditEntry } from '../audit-entry.js';
import type { Decision, PolicyFault } from '../decision.js';
import type { FencedWrites, WriteFence, WriteOp } from '../store.js';
import { fenceId } from '../write-descriptions.js';
import { leaseHolder, parseLeaseHolder, type RedisKeys } from './redis-keys.js';
import type { LeaseGuard, RedisLog } from './redis-log.js';

/**
 * Sets (or deletes) one field of a hash only while a lease is the writer's, in the same step as the check.
 * KEYS: lease, hash, [set]; ARGV: holder, field, [json, member]: with json the field is set (and member added
 * to the set), without it deleted. Replies 1, or {'fenced', the lease's value or ''} without writing.
 */
const FENCED_FIELD_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then return {'fenced', current or ''} end
if ARGV[3] == nil then
  redis.call('HDEL', KEYS[2], ARGV[2])
  return 1
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
if KEYS[3] then redis.call('SADD', KEYS[3], ARGV[4]) end
return 1
`;

type FieldWriter = ChainableCommander & { homeostatFencedField(numKeys: number, ...args: string[]): ChainableCommander };

/** The logs a batch appends to. */
export interface BatchLogs {
  readonly decisions: RedisLog<Decision>;
  readonly invocations: RedisLog<InvocationRecord>;
  readonly faults: RedisLog<PolicyFault>;
  readonly audit: RedisLog<AuditEntry>;
}

/** A fenced write queued on a transaction: the index of the reply that says whether it was applied. */
interface GuardedReply {
  readonly reply: number;
  readonly op: WriteOp;
  readonly fence: WriteFence;
}

/**
 * One batch of writes as one MULTI/EXEC transaction. A write without a fence is queued as before; one with a
 * fence goes through a script that checks its lease and writes in one step, so a write is applied only while
 * the lease it was made under is still its writer's. A transaction runs whole, so every write of one lease in
 * a batch meets the same lease: all are applied, or all refused.
 */
export class RedisBatch {
  private replies = 0;
  private readonly guarded: GuardedReply[] = [];
  private readonly guards = new Map<string, LeaseGuard>();

  constructor(private readonly tx: ChainableCommander, private readonly keys: RedisKeys, private readonly logs: BatchLogs) {}

  /** Defines the script this batch's fenced field writes use on a client (once per client). */
  static prepare(redis: Redis): void {
    if (!('homeostatFencedField' in redis)) redis.defineCommand('homeostatFencedField', { lua: FENCED_FIELD_SCRIPT });
  }

  /** Queues the writes in order. */
  add(ops: readonly WriteOp[]): this {
    for (const op of ops) this.queue(op);
    return this;
  }

  /** Runs the transaction: its replies, or null when it was aborted. */
  exec(): Promise<[Error | null, unknown][] | null> {
    return this.tx.exec();
  }

  /**
   * The writes the transaction refused, by lease (from its replies, in the order queued). A reply that is an
   * error is the caller's to throw; this reads only the fenced writes' replies.
   */
  refused(results: readonly [Error | null, unknown][]): FencedWrites[] {
    const byLease = new Map<string, { fence: WriteFence; ops: WriteOp[]; holder?: { owner: string; token: number } }>();
    for (const { reply, op, fence } of this.guarded) {
      const value = results[reply]?.[1];
      if (!(Array.isArray(value) && value[0] === 'fenced')) continue;
      const id = fenceId(fence);
      let group = byLease.get(id);
      if (!group) {
        const holder = parseLeaseHolder(typeof value[1] === 'string' ? value[1] : undefined);
        byLease.set(id, (group = { fence, ops: [], ...(holder ? { holder } : {}) }));
      }
      group.ops.push(op);
    }
    return [...byLease.values()];
  }

  private queue(op: WriteOp): void {
    const guard = op.fence && op.kind !== 'audit' ? this.guardOf(op.fence) : undefined;
    if (guard && op.fence) this.guarded.push({ reply: this.replies, op, fence: op.fence });
    switch (op.kind) {
      case 'decision':
        this.logs.decisions.append(this.tx, op.value, guard);
        break;
      case 'invocation':
        this.logs.invocations.append(this.tx, op.value, guard);
        break;
      case 'fault':
        this.logs.faults.append(this.tx, op.value, guard);
        break;
      case 'audit':
        // the API's record of a request it took: written whoever holds the lease
        this.logs.audit.append(this.tx, op.value);
        break;
      case 'state': {
        const key = this.keys.policyState(op.policy);
        if (guard) this.field(guard, key, op.key, op.value === undefined ? undefined : [JSON.stringify(op.value), op.policy]);
        else if (op.value === undefined) this.tx.hdel(key, op.key);
        else {
          this.tx.hset(key, op.key, JSON.stringify(op.value)).sadd(this.keys.policies, op.policy);
          this.replies += 1;
        }
        break;
      }
      case 'snapshot': {
        const field = `${op.value.entity}\u0000${op.value.sensor}`;
        if (guard) this.field(guard, this.keys.snapshots, field, [JSON.stringify(op.value)]);
        else this.tx.hset(this.keys.snapshots, field, JSON.stringify(op.value));
        break;
      }
    }
    this.replies += 1;
  }

  private guardOf(fence: WriteFence): LeaseGuard {
    const id = fenceId(fence);
    let guard = this.guards.get(id);
    if (!guard) this.guards.set(id, (guard = { key: this.keys.lease(fence.lease), holder: leaseHolder(fence.owner, fence.token) }));
    return guard;
  }

  /** A fenced set (`set`: the JSON, and the member of the policies set for a policy's state) or delete: one command. */
  private field(guard: LeaseGuard, hash: string, field: string, set: readonly string[] | undefined): void {
    const writer = this.tx as FieldWriter;
    if (set === undefined) writer.homeostatFencedField(2, guard.key, hash, guard.holder, field);
    else if (set.length === 2) writer.homeostatFencedField(3, guard.key, hash, this.keys.policies, guard.holder, field, set[0] as string, set[1] as string);
    else writer.homeostatFencedField(2, guard.key, hash, guard.holder, field, set[0] as string);
  }
}
