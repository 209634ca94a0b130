import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { EffectorAbortedError, HomeostatError } from '../core/errors.js';
import type { DelegatedInvocation } from '../effectors/delegated-invocation.js';
import { NotActingError } from '../effectors/invoker.js';
import { CANCEL_SCRIPT, CLAIM_SCRIPT, COMPLETE_SCRIPT, SUBMIT_SCRIPT } from './delegation-script.js';
import { leaseKey } from './lease.js';

/** What delegation needs from the instance's shards. */
export interface DelegationShards {
  /** The shard an entity belongs to, or undefined when it is not in the tree. */
  shardOf(entity: string): string | undefined;
  /** The shards this instance acts for now. */
  held(): string[];
  /** The token to act on `entity` under, or undefined when this instance does not act for its shard now. */
  actingToken(entity: string): number | undefined;
}

/** Settings of delegation between the instances of one sharded deployment. */
export interface DelegationOptions {
  readonly namespace: string;
  /** This instance's unique name (the lease owner). */
  readonly owner: string;
  /** How long a request waits for the shard's holder to claim it (ms). Default 2 000 (a lease time). */
  readonly claimWithinMs?: number;
  /** How often a holder looks for requests, and a requester for its answer (ms). Default 100. */
  readonly pollMs?: number;
  /**
   * Runs a claimed request here, under this instance's fence for the entity (never handed on again); `signal`
   * aborts it when a stop's grace has passed (see `stop`).
   */
  readonly run: (invocation: DelegatedInvocation, signal: AbortSignal) => Promise<unknown>;
}

/** An invocation this instance handed to another and still waits for. */
export interface HandedOverInvocation {
  readonly entity: string;
  readonly effector: string;
  readonly shard: string;
  /**
   * Where it went: the instance that claimed it, else the holder of the shard's lease when it was queued;
   * undefined when neither is known (Redis did not answer the submission, or nobody held the shard).
   */
  readonly to: string | undefined;
  /** True once an instance claimed it (it runs there), false while it waits in the shard's queue. */
  readonly claimed: boolean;
  /** How long ago it was handed over (ms). */
  readonly waitingMs: number;
}

/** A handed-over invocation as kept while it is waited for (`to` and `claimed` updated as it is followed). */
type Handed = { -readonly [K in keyof Omit<HandedOverInvocation, 'waitingMs'>]: HandedOverInvocation[K] } & { readonly since: number };

type Answer = { state: string | null; result: string | null; runner: string | null; token: string | null };

/**
 * Invocations handed to the holder of a shard. An ancestor's plan decided on one instance acts on entities
 * of a shard another instance holds: the deciding instance queues each such invocation in the shard's
 * stream in Redis; whoever holds the shard's lease claims it with one script that checks it still holds the
 * lease under its token, runs it through its own invoker (its fencing token, its invocation record and
 * in-flight mark, so a takeover reconciles it as any other), and writes the result back for the requester.
 * A request is claimed at most once, and one nobody claimed in time is withdrawn by the requester in one
 * script, so it is known not to have run (E_NOT_LEADER); one claimed whose result does not come back in time
 * is E_OUTCOME_UNKNOWN, never repeated, and so is one Redis took and lost with its data before the requester
 * saw it claimed. The decision stays the deciding instance's: one decision, one record.
 */
export class ShardDelegation {
  private readonly claimWithinMs: number;
  private readonly pollMs: number;
  private readonly prefix: string;
  private sequence = 0;
  /** Redis' epoch as last seen (see the scripts): undefined until a submission was answered. */
  private epoch: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The poll under way (reading the streams, claiming), if one is. */
  private polling: Promise<void> | undefined;
  private readonly running = new Set<Promise<void>>();
  private readonly handed = new Map<string, Handed>();
  /** Aborts the runs of claimed requests when a stop's grace has passed. */
  private readonly aborter = new AbortController();

  constructor(private readonly redis: Redis, private readonly shards: DelegationShards, private readonly options: DelegationOptions) {
    this.claimWithinMs = options.claimWithinMs ?? 2_000;
    this.pollMs = options.pollMs ?? 100;
    this.prefix = `homeostat:{${options.namespace}}:`;
  }

  /** Starts claiming and running the requests queued for the shards this instance holds. */
  start(): void {
    this.timer ??= setInterval(() => this.poll(), this.pollMs);
  }

  /**
   * Stops claiming requests, and leaves those still queued to whoever holds their shard next (or to their
   * requesters, who withdraw them in time): a stopping instance calls it as its stop begins, so that it does
   * not start what it would only abort at its deadline. What it runs already goes on (see `stop`).
   */
  stopClaiming(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Stops claiming; runs already claimed get `graceMs` (default: as long as they take) to finish, then are
   * aborted through their signal; each records its result (an aborted one as failed) for its requester. An
   * instance stops it before it gives its shards up, so nothing it runs outlives its leases.
   */
  async stop(graceMs = Infinity): Promise<void> {
    this.stopClaiming();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = Number.isFinite(graceMs) ? new Promise<'over'>((resolve) => (timer = setTimeout(() => resolve('over'), graceMs))) : new Promise<never>(() => undefined);
    // a claim under way when the polling stopped adds its run: wait for that poll first
    const settled = (this.polling ?? Promise.resolve()).then(() => Promise.allSettled([...this.running]));
    if ((await Promise.race([settled, graceOver])) === 'over') this.aborter.abort(new Error(`the stop grace of ${graceMs} ms has passed`));
    clearTimeout(timer);
    await settled;
  }

  /** The invocations handed over by this instance whose result has not come back, oldest first. */
  handedOver(): HandedOverInvocation[] {
    const now = performance.now();
    return [...this.handed.values()].map(({ since, ...rest }) => ({ ...rest, waitingMs: Math.max(0, now - since) }));
  }

  /**
   * Hands `invocation` to the holder of its entity's shard and waits for its result. Undefined when its
   * entity is in no shard. @throws the runner's error (its code kept), E_NOT_LEADER (nothing ran),
   * E_OUTCOME_UNKNOWN (claimed, no result in time) or E_EFFECTOR_ABORTED
   */
  delegate(invocation: DelegatedInvocation, signal: AbortSignal | undefined): Promise<unknown> | undefined {
    const shard = this.shards.shardOf(invocation.entity);
    if (shard === undefined) return undefined;
    const id = `${this.options.owner}#${++this.sequence}`;
    const handed: Handed = { entity: invocation.entity, effector: invocation.effector, shard, to: undefined, claimed: false, since: performance.now() };
    this.handed.set(id, handed);
    return this.request(id, handed, invocation, signal).finally(() => this.handed.delete(id));
  }

  private async request(id: string, handed: Handed, invocation: DelegatedInvocation, signal: AbortSignal | undefined): Promise<unknown> {
    const { shard } = handed;
    const what = `${invocation.entity}.${invocation.effector}`;
    const key = this.requestKey(id);
    // a submission without an answer (Redis slow or gone) may still have been queued: it is then waited for,
    // and withdrawn in time like one nobody claims
    // the epoch Redis had before this submission: unchanged at a withdrawal that finds no request, it says the
    // request was never queued (rather than queued, perhaps claimed and run, and lost with Redis' data)
    const epochBefore = this.epoch;
    const submitted = (await this.redis.eval(SUBMIT_SCRIPT, 4, key, this.streamKey(shard), leaseKey(this.options.namespace, shard), this.epochKey(), id, this.options.owner, this.claimWithinMs, invocation.runBoundMs, JSON.stringify(invocation), randomUUID()).catch(() => undefined)) as [string, string, string?] | undefined;
    if (submitted) this.epoch = submitted[1];
    if (submitted && submitted[0] !== 'queued') throw new NotActingError(invocation.entity, invocation.effector);
    const holder = submitted?.[2];
    handed.to = holder;
    const askedAt = performance.now();
    const claimBy = askedAt + this.claimWithinMs + this.pollMs * 4;
    const answerBy = claimBy + invocation.runBoundMs + 1_000;
    let claimed: Answer | undefined;
    for (;;) {
      if (signal?.aborted) {
        await this.redis.eval(CANCEL_SCRIPT, 2, key, this.epochKey()).catch(() => undefined);
        throw new EffectorAbortedError(invocation.effector);
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      const answer = await this.answer(key);
      const now = performance.now();
      if (answer?.state === 'succeeded') return parse(answer.result);
      if (answer?.state === 'failed') {
        const error = parse(answer.result) as { code?: string; message?: string } | undefined;
        throw new HomeostatError(error?.code ?? 'E_EFFECTOR_FAILED', `${error?.message ?? `${what} failed`} (run by ${answer.runner ?? 'the shard holder'} under fencing token ${answer.token ?? '?'})`);
      }
      if (answer?.state === 'expired' || answer?.state === 'cancelled') throw notTaken(invocation, shard, holder);
      if (answer?.state === 'claimed') {
        claimed = answer;
        handed.to = answer.runner ?? holder;
        handed.claimed = true;
      }
      if (!claimed && (answer?.state === 'pending' || answer?.state === null) && now > claimBy) {
        const [after, epochNow] = ((await this.redis.eval(CANCEL_SCRIPT, 2, key, this.epochKey()).catch(() => undefined)) ?? []) as [string?, string?];
        if (after === 'cancelled') throw notTaken(invocation, shard, holder);
        // a request Redis took and no longer has was lost with its data (restarted empty, failed over): the
        // holder may have claimed and run it. One never queued is missing with the epoch as it was before
        if (after === 'missing' && (submitted !== undefined || epochBefore === undefined || epochNow !== epochBefore)) throw vanished(invocation, shard, holder);
        if (after === 'missing') throw notTaken(invocation, shard, holder);
      }
      if (now > answerBy) {
        throw new HomeostatError('E_OUTCOME_UNKNOWN', `${what}: handed to ${claimed?.runner ?? holder ?? 'the holder of shard ' + shard}${claimed?.token ? ` (fencing token ${claimed.token})` : ''}, no result within ${Math.round(now - askedAt)} ms: outcome unknown, not repeated`);
      }
    }
  }

  /** The request's state as Redis has it, or undefined when Redis does not answer (asked again on the next poll). */
  private async answer(key: string): Promise<Answer | undefined> {
    try {
      const [state, result, runner, token] = await this.redis.hmget(key, 'state', 'result', 'runner', 'token');
      return { state: state ?? null, result: result ?? null, runner: runner ?? null, token: token ?? null };
    } catch {
      return undefined;
    }
  }

  private poll(): void {
    if (this.polling || this.shards.held().length === 0) return;
    this.polling = this.claimQueued().finally(() => (this.polling = undefined));
  }

  private async claimQueued(): Promise<void> {
    const held = this.shards.held();
    try {
      const streams = held.map((shard) => this.streamKey(shard));
      const read = (await this.redis.xread('COUNT', 100, 'STREAMS', ...streams, ...streams.map(() => '0'))) as Array<[string, Array<[string, string[]]>]> | null;
      for (const [stream, entries] of read ?? []) {
        const shard = held[streams.indexOf(stream)] as string;
        for (const [entryId, fields] of entries) await this.claim(shard, stream, entryId, fields[fields.indexOf('id') + 1] ?? '');
      }
    } catch {
      // Redis does not answer: the requests wait in their streams (and are withdrawn by their requesters in time)
    }
  }

  private async claim(shard: string, stream: string, entryId: string, id: string): Promise<void> {
    const token = this.shards.actingToken(shard);
    if (token === undefined) return;
    const key = this.requestKey(id);
    const [outcome, raw] = (await this.redis.eval(CLAIM_SCRIPT, 3, key, stream, leaseKey(this.options.namespace, shard), entryId, this.options.owner, token)) as [string, string?];
    if (outcome !== 'claimed' || raw === undefined) return;
    const run = this.run(key, JSON.parse(raw) as DelegatedInvocation);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private async run(key: string, invocation: DelegatedInvocation): Promise<void> {
    let outcome: 'succeeded' | 'failed';
    let payload: unknown;
    try {
      payload = await this.options.run(invocation, this.aborter.signal);
      outcome = 'succeeded';
    } catch (error) {
      outcome = 'failed';
      payload = { code: error instanceof HomeostatError ? error.code : 'E_EFFECTOR_FAILED', message: error instanceof Error ? error.message : String(error) };
    }
    // a result that cannot be written leaves the requester to call the outcome unknown when its time runs out
    await this.redis.eval(COMPLETE_SCRIPT, 1, key, this.options.owner, outcome, JSON.stringify(payload ?? null)).catch(() => undefined);
  }

  private epochKey(): string {
    return `${this.prefix}epoch`;
  }

  private requestKey(id: string): string {
    return `${this.prefix}delegation:${id}`;
  }

  private streamKey(shard: string): string {
    return `${this.prefix}delegations:${encodeURIComponent(shard)}`;
  }
}

function parse(raw: string | null): unknown {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function vanished(invocation: DelegatedInvocation, shard: string, holder: string | undefined): HomeostatError {
  return new HomeostatError('E_OUTCOME_UNKNOWN', `${invocation.entity}.${invocation.effector}: handed to ${holder ?? 'the holder'} of shard ${shard}, and the request vanished from Redis (restarted without persistence, or failed over, while it waited): it may have been claimed and run; outcome unknown, not repeated`);
}

function notTaken(invocation: DelegatedInvocation, shard: string, holder: string | undefined): HomeostatError {
  return new HomeostatError('E_NOT_LEADER', `${invocation.entity}.${invocation.effector}: handed to ${holder ?? 'the holder'} of shard ${shard}, not taken within its time: withdrawn, it did not run`);
}
