import { Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { Entity } from '../entity.js';
import type { EntityTree } from '../entity-tree.js';
import { HomeostatError } from '../errors.js';
import { EffectorInvoker, type InvokeOptions } from '../../effectors/invoker.js';
import type { Decision, PolicyFault } from '../../knowledge/decision.js';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { AnyPolicyDefinition } from '../../policies/define-policy.js';
import { newAttachment, type AttachOptions, type PolicyAttachment, type PolicyStatus } from './attachment.js';
import { Arbiter, type ActionBudget } from './arbiter.js';
import type { Quota } from '../quota.js';
import type { SharedArbitration } from './shared-arbitration.js';
import { AttachedPolicies } from './attached-policies.js';
import { engineServices, type EngineServices } from './engine-services.js';
import { parsePolicyConfig } from './policy-config.js';
import type { ActingScope } from './acting-scope.js';
import { checkReconfiguration } from './config-references.js';
import { countPolicyStates, policyStatus, stoppedPolicies, type GaugedPolicyState, type StoppedPolicies } from './policy-status.js';
import { PolicyRunner } from './policy-runner.js';
import { endWithin } from './stop-abort.js';
import { refuseOverQuota } from './api-quota-refusal.js';
import { DEFAULT_STOP_GRACE_MS, checkGrace, type EngineOptions, type StopOptions } from './engine-options.js';

export { DEFAULT_STOP_GRACE_MS, type EngineOptions, type StopOptions } from './engine-options.js';

/**
 * The execute side of MAPE-K: attaches policies to entities, runs their loops, and owns execution
 * (suspension, dry run, cooldown, staleness, newest-plan-wins, fault isolation). Policies attached to an
 * entity are detached when it leaves the tree.
 */
export class Engine {
  readonly tree: EntityTree;
  readonly knowledge: Knowledge;
  readonly scheduler: SchedulerLike;
  readonly invoker: EffectorInvoker;
  private dryRunAll: boolean;
  /** The attached policies: runners by id and by entity, acting scopes, executors of detached ones still executing. */
  private readonly attached = new AttachedPolicies();
  private readonly faultsSubject = new Subject<PolicyFault>();
  private readonly subscriptions: Subscription[] = [];
  private running = false;
  /** The stop of the loops since the last start, once one began (see `stopLoops`). */
  private loopsStopped: Promise<void> | undefined;
  // true while start() walks the policies: one attached meanwhile is started by that walk (a Map's forEach
  // visits entries added during it), not also by attach
  private starting = false;
  private readonly services: EngineServices;
  private readonly arbiter: Arbiter;
  private readonly stopGraceMs: number;

  /** @throws ValidationError when `stopGraceMs` is not a duration a timer can hold */
  constructor(options: EngineOptions) {
    this.stopGraceMs = checkGrace(options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS, 'engine stopGraceMs');
    this.tree = options.tree;
    this.knowledge = options.knowledge;
    this.scheduler = options.scheduler;
    this.invoker = options.invoker ?? new EffectorInvoker(options.scheduler);
    this.dryRunAll = options.dryRun ?? false;
    this.arbiter = new Arbiter(this.tree, this.scheduler, this.knowledge);
    const { scheduler, tree, invoker, knowledge, arbiter, attached } = this;
    this.services = engineServices({ scheduler, tree, invoker, knowledge, arbiter, attached, decisionIdTag: options.decisionIdTag, dryRun: () => this.dryRunAll, faults: this.faultsSubject });
    this.follow();
  }

  /**
   * Records every invocation and detaches the policies of removed entities, from construction (an effector
   * invoked through the API before the start is recorded too) until `stop`, and again after each `start`.
   */
  private follow(): void {
    if (this.subscriptions.length > 0) return;
    this.subscriptions.push(this.invoker.records$.subscribe((record) => this.knowledge.recordInvocation(record)));
    this.subscriptions.push(
      this.tree.changes$.subscribe((change) => {
        if (change.kind !== 'removed') return;
        for (const id of this.attached.byEntity.of(change.entity)) this.detach(id);
      }),
    );
  }

  /** Every decision, as it is recorded. */
  get decisions$(): Observable<Decision> {
    return this.knowledge.decisions$;
  }

  /** Every policy fault, as it happens. */
  get faults$(): Observable<PolicyFault> {
    return this.faultsSubject.asObservable();
  }

  get dryRun(): boolean {
    return this.dryRunAll;
  }

  set dryRun(value: boolean) {
    this.dryRunAll = value;
  }

  /**
   * Attaches a policy to an entity; it starts at once when the engine runs.
   * @throws ValidationError when the config fails the policy's schema; HomeostatError E_DUPLICATE_POLICY
   */
  attach(entity: Entity, definition: AnyPolicyDefinition, rawConfig: unknown, options: AttachOptions = {}): PolicyStatus {
    const id = options.id ?? `${entity.id}/${definition.name}`;
    if (this.attached.runners.has(id)) throw new HomeostatError('E_DUPLICATE_POLICY', `policy id '${id}' is already attached`);
    const runner = new PolicyRunner(newAttachment(id, entity, definition, rawConfig, options), this.services);
    this.attached.add(runner);
    if (this.running && !this.starting) runner.start();
    return policyStatus(runner, this.dryRunAll);
  }

  /**
   * Replaces a policy's config: validated by the policy's schema and against the live tree first (the
   * entities, effectors and sensors it names exist; nothing changes when it fails); the policy restarts with
   * the same id, options and state. With `scope` (a caller limited to part of the tree), every entity the
   * config names must lie inside it, and the policy then acts only inside it: a plan acting elsewhere is
   * `refused`. Without, the policy may act anywhere again.
   * @throws ValidationError, HomeostatError E_UNKNOWN_POLICY, E_OUT_OF_SCOPE
   */
  reconfigure(id: string, rawConfig: unknown, options: { readonly scope?: ActingScope } = {}): PolicyStatus {
    const a = this.attached.runner(id).attachment;
    checkReconfiguration(this.tree, id, a.entity, a.definition, parsePolicyConfig(id, a.definition, rawConfig), options.scope);
    this.detach(id);
    const status = this.attach(a.entity, a.definition, rawConfig, { id, cooldownMs: a.cooldownMs, dryRun: a.dryRun, suspended: a.suspended });
    if (a.suspendedReason) this.suspend(id, a.suspendedReason);
    if (options.scope) this.attached.actingScopes.set(id, options.scope);
    return status;
  }

  /** The attachment of a policy: definition, entity, config (for the API). @throws E_UNKNOWN_POLICY */
  attachment(id: string): PolicyAttachment {
    return this.attached.runner(id).attachment;
  }

  /** Stops and removes a policy. Returns false when there was none with that id. */
  detach(id: string): boolean {
    return this.attached.remove(id);
  }

  /** Limits the actions on an entity's subtree to `maxActions` per `windowMs`; plans past it are `rate_limited`. */
  setBudget(budget: ActionBudget): void {
    this.arbiter.setBudget(budget);
  }

  /** Sets a quota over subtrees (members, resources across members, concurrent operations); plans that would exceed it are `quota_exceeded`. */
  setQuota(quota: Quota): void {
    this.arbiter.setQuota(quota);
  }

  /**
   * Shares arbitration with other instances that act for other parts of the tree (`--shards`): their holds
   * preempt plans here, and budgets count every instance's actions. Undefined: this engine arbitrates alone.
   */
  setSharedArbitration(shared: SharedArbitration | undefined): void {
    this.arbiter.setShared(shared);
  }

  /**
   * Invokes an effector for someone other than a policy (a person, through the API): the arbiter holds the
   * entity's subtree while it runs, so a roll started by hand and the policies inside it do not fight. It
   * counts as an operation for quotas, and is refused like a plan when it would exceed one: a
   * `quota_exceeded` Decision (policy `api`) is recorded with the numbers, and nothing is invoked.
   * @throws QuotaExceededError when a quota would be exceeded; the invocation's own errors otherwise
   */
  async invokeHeld(entity: Entity, effector: string, params: unknown, options: InvokeOptions): Promise<unknown> {
    const verdict = this.arbiter.quotaVerdict({ actions: [{ entity: entity.id, effector, params }], reason: `${options.caller.name} invokes ${effector}` });
    if (verdict) throw refuseOverQuota(this.knowledge, this.services.nextDecisionId(), this.scheduler.now(), { entity, effector, params, options }, verdict);
    const token = this.arbiter.hold(entity, `${options.caller.kind}:${options.caller.name}`);
    try {
      return await this.invoker.invoke(entity, effector, params, options);
    } finally {
      this.arbiter.end(token);
    }
  }

  /** Starts every attached policy. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopsStopped = undefined;
    this.follow(); // stopped by a stop before
    this.starting = true;
    try {
      this.attached.startAll();
    } finally {
      this.starting = false;
    }
  }

  /**
   * Stops within a bounded grace: every loop stops at once (streams unsubscribed, pending restarts
   * cancelled), plans waiting behind an execution are recorded as `failed` (never started), and plans
   * already executing get `graceMs` to finish; then their effectors are aborted through their AbortSignal and
   * they are recorded as `failed` with E_ENGINE_STOPPED. Resolves once every decision is recorded and
   * knowledge is flushed; no timer of the engine is left behind. The grace runs on the engine's scheduler
   * (in virtual time, advance the clock or pass `graceMs: 0`). After `stopLoops` it only stops recording and
   * flushes (the loops are not stopped twice); called again, it flushes again.
   * @throws ValidationError when graceMs is negative or too large for a timer; the knowledge flush error when the store is failing
   */
  async stop(options: StopOptions = {}): Promise<void> {
    await this.stopLoops(options);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions.length = 0;
    await this.knowledge.flush();
  }

  /**
   * The first part of `stop`: stops the loops and bounds their executing plans (see `stop`), but goes on
   * recording invocations (an API invocation still running ends in a record). A host that must know every
   * effector of its loops has ended before its next step (an HA instance, before it gives its lease up) calls
   * it, then `stop`. Called again before a `start`, it waits on the first call's stop (whose grace holds).
   * @throws ValidationError when graceMs is negative or too large for a timer (nothing is stopped then)
   */
  async stopLoops(options: StopOptions = {}): Promise<void> {
    if (this.loopsStopped) return this.loopsStopped;
    const graceMs = checkGrace(options.graceMs ?? this.stopGraceMs, 'engine graceMs');
    this.loopsStopped = this.endLoops(graceMs);
    return this.loopsStopped;
  }

  private async endLoops(graceMs: number): Promise<void> {
    this.running = false;
    await endWithin(this.attached.stopAll(), graceMs, this.scheduler);
  }

  /** Suspends a policy: it keeps monitoring and planning; its decisions are recorded as `suspended`. */
  suspend(id: string, reason = 'suspended by request'): PolicyStatus {
    const runner = this.attached.runner(id);
    runner.attachment.suspended = true;
    runner.attachment.suspendedReason = reason;
    return policyStatus(runner, this.dryRunAll);
  }

  resume(id: string): PolicyStatus {
    const runner = this.attached.runner(id);
    runner.attachment.suspended = false;
    runner.attachment.suspendedReason = undefined;
    return policyStatus(runner, this.dryRunAll);
  }

  /** Turns dry run on or off for one policy. */
  setDryRun(id: string, dryRun: boolean): PolicyStatus {
    const runner = this.attached.runner(id);
    runner.attachment.dryRun = dryRun;
    return policyStatus(runner, this.dryRunAll);
  }

  /** @throws HomeostatError E_UNKNOWN_POLICY */
  policy(id: string): PolicyStatus {
    return policyStatus(this.attached.runner(id), this.dryRunAll);
  }

  /** How many policies are attached. */
  get policyCount(): number {
    return this.attached.runners.size;
  }

  /** Up to `limit` ids of the policies that are stopped, and their count (no status built per policy). */
  stoppedPolicies(limit: number): StoppedPolicies {
    return stoppedPolicies(this.attached.runners, limit);
  }

  /** How many policies of each name are running, restarting, suspended or in dry run (no status built per policy). */
  policyStateCounts(): Map<string, Map<GaugedPolicyState, number>> {
    return countPolicyStates(this.attached.runners, this.dryRunAll);
  }

  policies(): PolicyStatus[] {
    return [...this.attached.runners.values()].map((r) => policyStatus(r, this.dryRunAll));
  }

  /**
   * The policies attached to `entity`, in the order they were attached: what `policies()` filtered by entity
   * holds, found through the index of policies by entity rather than a status for every policy of the tree.
   */
  policiesOf(entity: Entity): PolicyStatus[] {
    return this.attached.byEntity.of(entity).map((id) => policyStatus(this.attached.runner(id), this.dryRunAll));
  }
}
