import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { InvocationRecord } from '../../effectors/invocation.js';
import { auditEntryWithin, type AuditEntry, type AuditQuery } from '../audit-entry.js';
import type { Decision, PolicyFault } from '../decision.js';
import type { DecisionQuery, InvocationQuery, Json, KnowledgeStore, SensorSnapshot, SnapshotQuery, UnreadableSnapshot, UnreadableState, WriteOp, WriteResult } from '../store.js';
import { RedisBatch, type BatchLogs } from './redis-batch.js';
import { closeClient } from './redis-close.js';
import { connectRedis } from './redis-connect.js';
import { isCluster, openRedis, type RedisConnectionOptions } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { RedisLog } from './redis-log.js';
import { readPolicyStates } from './redis-state-read.js';
import { readSnapshots } from './redis-snapshot-read.js';
import { claimNamespace } from './redis-namespace-owner.js';
import { loadDefinedScripts } from './redis-scripts.js';
import { RedisTransactionError } from './redis-transaction-error.js';
import { maskRedisUrl } from './redis-url.js';

/** Where and how much a Redis store keeps. */
export interface RedisStoreOptions extends RedisConnectionOptions {
  /** One deployment's keys; several deployments can share one Redis. Default `default`. */
  readonly namespace?: string;
  /** Decisions kept (newest). Default 100 000. */
  readonly maxDecisions?: number;
  /** Decisions older than the newest by more than this are dropped (ms). Default 7 days. */
  readonly maxDecisionAgeMs?: number;
  /** Invocation records kept. Default 100 000. */
  readonly maxInvocations?: number;
  /** Policy faults kept. Default 10 000. */
  readonly maxFaults?: number;
  /** Audit entries kept (newest). Default 100 000. */
  readonly maxAuditEntries?: number;
  /** Audit entries older than the newest by more than this are dropped (ms). Default 90 days. */
  readonly maxAuditAgeMs?: number;
}

const DEFAULT_LIMIT = 100;
const DAY_MS = 24 * 3_600_000;
const WEEK_MS = 7 * DAY_MS;

/** A fault has no id of its own; one derived from its content makes a retried write idempotent. */
function faultId(fault: PolicyFault): string {
  return createHash('sha1').update(`${fault.at}\u0000${fault.policy}\u0000${fault.phase}\u0000${fault.message}`).digest('base64url');
}

/**
 * An audit entry's id: its content, so a retried write is idempotent and two services writing the same
 * namespace (whose `seq` may meet) never overwrite each other's entries.
 */
function auditId(entry: AuditEntry): string {
  return createHash('sha1').update(JSON.stringify([entry.seq, entry.at, entry.who, entry.action, entry.target, entry.result])).digest('base64url');
}

/**
 * Knowledge in Redis (ioredis): the decision, invocation, fault and audit logs with retention and the same queries as
 * the memory store, policy state, and sensor snapshots. A batch is one MULTI/EXEC transaction, so it applies
 * whole or not at all; every write is idempotent (records by id), so the Knowledge front can retry a batch
 * whose result it did not learn without duplicating anything. Survives a restart of the service.
 */
export class RedisStore implements KnowledgeStore {
  readonly keys: RedisKeys;
  private readonly decisions: RedisLog<Decision>;
  private readonly invocations: RedisLog<InvocationRecord>;
  private readonly faults: RedisLog<PolicyFault>;
  private readonly audit: RedisLog<AuditEntry>;
  /** The logs a batch appends to. */
  private readonly logs: BatchLogs;
  private connecting: Promise<void> | undefined;
  /** Aborted by `close()`: stops a `connect()` still trying. */
  private readonly closing = new AbortController();
  /** The `connect()` under way, if any (shared by concurrent calls; `close()` waits for it to end). */
  private starting: Promise<void> | undefined;
  /** Writes under way: `close()` lets them finish before it quits (each is bounded by the command timeout). */
  private readonly writing = new Set<Promise<unknown>>();
  /** The `close()` under way or done (shared by every call). */
  private closed: Promise<void> | undefined;
  /** Where the store is, for messages: the URL with its password masked. */
  readonly target: string;
  private readonly connectTimeoutMs: number;

  /** @param redis an open client (see `openRedis`), or options to open one */
  constructor(options: RedisStoreOptions, readonly redis: Redis = openRedis(options)) {
    this.target = maskRedisUrl(options.url);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
    this.keys = new RedisKeys(options.namespace ?? 'default');
    this.decisions = new RedisLog(redis, this.keys, 'decisions', (d) => d.id, ['entity', 'policy'], { maxCount: options.maxDecisions ?? 100_000, maxAgeMs: options.maxDecisionAgeMs ?? WEEK_MS });
    this.invocations = new RedisLog(redis, this.keys, 'invocations', (r) => r.id, ['entity', 'effector'], { maxCount: options.maxInvocations ?? 100_000 });
    this.faults = new RedisLog(redis, this.keys, 'faults', faultId, ['policy'], { maxCount: options.maxFaults ?? 10_000 });
    this.audit = new RedisLog(redis, this.keys, 'audit', auditId, [], { maxCount: options.maxAuditEntries ?? 100_000, maxAgeMs: options.maxAuditAgeMs ?? 90 * DAY_MS });
    this.logs = { decisions: this.decisions, invocations: this.invocations, faults: this.faults, audit: this.audit };
    RedisBatch.prepare(redis);
  }

  /**
   * Connects (when not yet connected) and checks that Redis answers, trying again until it does or the connect
   * timeout has passed since the call (a start during a Redis restart waits for it), and at most 100 ms more
   * (see `connectRedis`). On giving up, the client is closed: nothing keeps connecting in the background. A
   * `close()` meanwhile stops the attempts: this then rejects, and the client stays closed when Redis comes back.
   * Concurrent calls share one attempt.
   * @throws Error naming the target, how long it tried and the last cause, when Redis does not answer within the connect timeout
   * @throws Error "closed while connecting" when the store is closed before Redis answered (or was closed already)
   */
  connect(): Promise<void> {
    this.starting ??= connectRedis(this.redis, { timeoutMs: this.connectTimeoutMs, target: this.target, signal: this.closing.signal }).finally(() => (this.starting = undefined));
    return this.starting;
  }

  /**
   * Opens the lazy connection on first use, and again on a later use while it never got through (a client of
   * `openRedis` ends after a failed first attempt); once connected, drops are the client's to reconnect.
   * @throws Error naming the target when the store is closed (checked at the call, before any await)
   */
  private async connected(): Promise<void> {
    if (this.closing.signal.aborted) throw new Error(`the Redis store at ${this.target} is closed: no more reads or writes`);
    const status = this.redis.status;
    if ((status === 'wait' || status === 'end') && !this.connecting) {
      this.connecting = this.redis.connect().finally(() => (this.connecting = undefined));
    }
    await this.connecting;
  }

  /**
   * Applies the batch as one transaction; a write made under a lease (`fence`) only while that lease is still
   * its writer's, checked in Redis with the write (see `RedisBatch`): resolves with the writes refused so.
   * A write called before `close()` is let finish by it; one called after rejects, naming the target.
   */
  write(ops: readonly WriteOp[]): Promise<WriteResult> {
    const written = this.writeBatch(ops);
    this.writing.add(written);
    const forget = (): void => void this.writing.delete(written);
    written.then(forget, forget);
    return written;
  }

  /**
   * Writes the batch; when Redis lost the scripts the transaction calls (NOSCRIPT: after SCRIPT FLUSH, or a
   * script first sent while Redis refused it), loads them again and writes the batch once more (every write is
   * idempotent, so what the first attempt applied is not applied twice). A failure names Redis' own reasons
   * (see `RedisTransactionError`).
   */
  private async writeBatch(ops: readonly WriteOp[]): Promise<WriteResult> {
    if (ops.length === 0) return { refused: [] };
    await this.connected();
    try {
      return await this.transaction(ops);
    } catch (error) {
      if (!RedisTransactionError.missesScript(error)) throw error;
      await loadDefinedScripts(this.redis);
      return this.transaction(ops);
    }
  }

  private async transaction(ops: readonly WriteOp[]): Promise<WriteResult> {
    const batch = new RedisBatch(this.redis.multi(), this.keys, this.logs).add(ops);
    const results = await batch.exec().catch((error: unknown) => {
      throw RedisTransactionError.ofRejection(error);
    });
    if (results === null) throw new Error('Redis transaction was aborted');
    const failed = RedisTransactionError.ofReplies(results);
    if (failed) throw failed;
    await Promise.all([this.decisions.trimIfDue(), this.invocations.trimIfDue(), this.faults.trimIfDue(), this.audit.trimIfDue()]);
    return { refused: batch.refused(results) };
  }

  async queryDecisions(query: DecisionQuery): Promise<Decision[]> {
    await this.connected();
    const by = query.entity !== undefined ? { field: 'entity' as const, value: query.entity } : query.policy !== undefined ? { field: 'policy' as const, value: query.policy } : undefined;
    return this.decisions.newestFirst(
      (d) =>
        (query.entity === undefined || d.entity === query.entity) &&
        (query.policy === undefined || d.policy === query.policy) &&
        (query.outcome === undefined || d.outcome === query.outcome) &&
        (query.from === undefined || d.at >= query.from) &&
        (query.to === undefined || d.at <= query.to),
      query.limit ?? DEFAULT_LIMIT,
      by,
    );
  }

  async getDecision(id: string): Promise<Decision | undefined> {
    await this.connected();
    return this.decisions.get(id);
  }

  async queryInvocations(query: InvocationQuery): Promise<InvocationRecord[]> {
    await this.connected();
    const by = query.entity !== undefined ? { field: 'entity' as const, value: query.entity } : query.effector !== undefined ? { field: 'effector' as const, value: query.effector } : undefined;
    return this.invocations.newestFirst(
      (r) =>
        (query.entity === undefined || r.entity === query.entity) &&
        (query.effector === undefined || r.effector === query.effector) &&
        (query.from === undefined || r.at >= query.from) &&
        (query.to === undefined || r.at <= query.to),
      query.limit ?? DEFAULT_LIMIT,
      by,
    );
  }

  async queryFaults(query: { policy?: string; limit?: number }): Promise<PolicyFault[]> {
    await this.connected();
    const by = query.policy === undefined ? undefined : { field: 'policy' as const, value: query.policy };
    return this.faults.newestFirst(() => true, query.limit ?? DEFAULT_LIMIT, by);
  }

  async queryAudit(query: AuditQuery): Promise<AuditEntry[]> {
    await this.connected();
    return this.audit.newestFirst((e) => auditEntryWithin(e, query.within), query.limit ?? DEFAULT_LIMIT);
  }

  /**
   * Every policy's state. What cannot be read is skipped and told to `onUnreadable`, left as stored (see
   * `readPolicyStates`): one damaged field or key never keeps the other policies' state from loading.
   * @throws when the set of policies with state cannot be read, naming its key
   */
  async loadPolicyStates(onUnreadable?: (part: UnreadableState) => void): Promise<Map<string, Map<string, Json>>> {
    await this.connected();
    return readPolicyStates(this.redis, this.keys, onUnreadable);
  }

  /** What cannot be read is skipped and told to `onUnreadable`, left as stored (see `readSnapshots`). */
  async loadSnapshots(query?: SnapshotQuery, onUnreadable?: (part: UnreadableSnapshot) => void): Promise<SensorSnapshot[]> {
    await this.connected();
    return readSnapshots(this.redis, this.keys, query, onUnreadable);
  }

  /**
   * Claims the namespace for `blueprint` (its name), or checks that it already is its (see `claimNamespace`).
   * @throws Error saying which blueprint holds the namespace and what to do, when another one does
   */
  async claimFor(blueprint: string): Promise<void> {
    await this.connected();
    await claimNamespace(this.redis, this.keys, blueprint);
  }

  /** Drops every key of this namespace (tests and `homeostat` maintenance; never called by the loop). */
  async clear(): Promise<void> {
    await this.connected();
    // on a cluster, SCAN without a key reaches one node: scan every primary (the namespace's slot is on one)
    const nodes = isCluster(this.redis) ? (this.redis as unknown as Cluster).nodes('master') : [this.redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `homeostat:{${this.keys.namespace}}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await this.redis.del(...keys);
      } while (cursor !== '0');
    }
  }

  /**
   * Closes the store for good, and the client with it. A `connect()` still trying is stopped first and waited
   * for (it rejects), so no connection is opened after this resolves. Writes called before this are let finish
   * (applied, or failed within their command timeout), and then the client is closed (see `closeClient`): QUIT
   * on a connected client, at most `QUIT_WAIT_MS` waited for on a Redis that does not answer; a client never
   * connected is ended without opening a connection; one reconnecting after Redis went away is ended at once,
   * with no attempt after this. Reads and writes called after this reject, naming the target. Resolves once
   * the client's status is `end`; later calls share the first.
   */
  close(): Promise<void> {
    this.closed ??= this.closeOnce();
    return this.closed;
  }

  private async closeOnce(): Promise<void> {
    this.closing.abort();
    await this.starting?.catch(() => undefined);
    await Promise.allSettled([...this.writing]);
    await closeClient(this.redis);
  }
}
