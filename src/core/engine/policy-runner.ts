import { Subscriber, type SchedulerLike, type Subscription } from 'rxjs';
import { cutText } from '../cut-text.js';
import { compactFinalizers, reserveFinalizer } from '../compact-finalizers.js';
import type { EntityTree } from '../entity-tree.js';
import { describeError } from '../errors.js';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { Decision, PolicyFault } from '../../knowledge/decision.js';
import type { Plan, PolicyContext, Symptom } from '../../policies/define-policy.js';
import type { PolicyAttachment } from './attachment.js';
import { PlanExecutor, restingPhase, type ExecutorDeps, type ExecutorPhase } from './plan-executor.js';
import { RunnerContext } from './runner-context.js';
import { PolicyContractError, checkObservable, checkPlan, checkSymptom, isThenable } from './policy-contract.js';
import { MAX_SYMPTOMS_PER_BURST, symptomBurst } from './symptom-burst.js';
import { endSubscription, type TeardownFailure } from './end-subscription.js';
import { UNTRACED_LOOP, childSpan, loopTracing, startLoopTrace, traceIdOf, type LoopTrace } from '../../telemetry/tracing.js';

/** What a runner needs from the engine (shared by every runner), its executor's needs included. */
export interface RunnerDeps extends ExecutorDeps {
  readonly scheduler: SchedulerLike;
  readonly tree: EntityTree;
  readonly knowledge: Knowledge;
  readonly onFault: (fault: PolicyFault) => void;
}

/** Restart backoff after a policy fault: 1 s doubling to 5 min; reset after a minute without faults. */
const FIRST_RESTART_MS = 1_000;
const MAX_RESTART_MS = 300_000;
const HEALTHY_RUN_MS = 60_000;

/**
 * Runs one attached policy's monitor -> analyze -> plan and hands plans to its executor. The runner is the
 * isolation boundary: whatever the policy does wrong (throws in any phase, returns a Promise or a value that
 * is not a plan, returns something that is not an Observable, emits something that is not a symptom, errors
 * or ends its stream, throws in `observe` or in work it scheduled itself), the fault is recorded with its
 * phase and message and the policy restarted with backoff, while every other loop keeps running. Nothing a
 * policy does reaches RxJS's unhandled-error path or Node's uncaught-exception path.
 *
 * Phase `monitor` is a failure to build the monitored stream; `analyze` a failure to build the analyzed
 * stream, an error or end of it, or an invalid symptom; `plan` a throw or an invalid value from `plan()`;
 * `observe` a throw from the `observe` hook; `execute` a failure of the engine to take the plan; `teardown` a
 * finalizer of the policy's stream that threw as its run ended (recorded after the fault that ended it, if
 * any; it restarts nothing, and a stop or a config change goes on).
 */
export class PolicyRunner {
  private subscription: Subscription | undefined;
  private restartTimer: Subscription | undefined;
  private faultCount = 0;
  private consecutiveFaults = 0;
  private startedAt = 0;
  private stopped = true;
  // bumped by every start, fault and stop: callbacks of an older run are ignored, so a stream that keeps
  // emitting synchronously after a fault (during subscribe) cannot fault twice or start a second run
  private generation = 0;
  readonly context: PolicyContext<unknown>;
  /** Made when the policy first plans: most policies of a large tree never do. */
  private madeExecutor: PlanExecutor | undefined;

  constructor(
    readonly attachment: PolicyAttachment,
    /** @internal what the runner uses of the engine (its context reads through to it) */
    readonly deps: RunnerDeps,
  ) {
    this.context = new RunnerContext(this);
  }

  get state(): 'running' | 'restarting' | 'stopped' {
    if (this.restartTimer) return 'restarting';
    return this.stopped ? 'stopped' : 'running';
  }

  get faults(): number {
    return this.faultCount;
  }

  /** The policy's executor, made on first use. */
  get executor(): PlanExecutor {
    return (this.madeExecutor ??= new PlanExecutor(this.attachment, this.deps));
  }

  /** The executor when the policy has planned; undefined before (nothing to reopen, stop or wait for). */
  get existingExecutor(): PlanExecutor | undefined {
    return this.madeExecutor;
  }

  /** The executor's phase, without making one: a policy that never planned is idle, or in a cooldown it kept in state. */
  get executorPhase(): ExecutorPhase {
    return this.madeExecutor?.phase ?? restingPhase(this.attachment, this.deps);
  }

  /** Builds and subscribes the policy's stream; never throws (a failure is a fault). */
  start(): void {
    // a run still subscribed (started again without a stop) ends first: it would keep its sensors' readings
    this.endRun();
    this.stopped = false;
    // the start time is read by a fault only to forgive earlier faults after a healthy run: with none to
    // forgive it is not needed, and not keeping it saves a number box per runner (a million runners)
    if (this.consecutiveFaults > 0) this.startedAt = this.deps.scheduler.now();
    const generation = ++this.generation;
    const { definition } = this.attachment;
    let phase: 'monitor' | 'analyze' = 'monitor';
    try {
      const monitored = checkObservable('monitor', definition.monitor(this.context));
      phase = 'analyze';
      const symptoms = checkObservable('analyze', definition.analyze(monitored, this.context));
      const subscriber = new RunSubscriber(this, generation);
      const reserved = reserveFinalizer(subscriber);
      const subscription = symptoms.subscribe(subscriber);
      compactFinalizers(subscription, reserved);
      if (this.isLive(generation)) this.subscription = subscription;
      else subscription.unsubscribe();
    } catch (error) {
      if (this.isLive(generation)) this.fault(phase, error);
    }
  }

  /** True while the run started as `generation` is the current one (callbacks of older runs are ignored). */
  isLive(generation: number): boolean {
    return !this.stopped && this.generation === generation;
  }

  /** Unsubscribes the stream and cancels a pending restart. */
  stop(): void {
    this.stopped = true;
    this.generation++;
    this.endRun();
    this.restartTimer?.unsubscribe();
    this.restartTimer = undefined;
  }

  /** Passes a decision of this policy to its `observe` hook; a hook that throws is a fault like any other. */
  observe(decision: Decision): void {
    const hook = this.attachment.definition.observe;
    if (!hook) return;
    try {
      const result: unknown = hook(decision, this.context);
      if (isThenable(result)) throw new PolicyContractError('observe() returned a Promise: observe must be synchronous (update context.state and return)');
    } catch (error) {
      this.fault('observe', error);
    }
  }

  /** @internal a symptom of the current run (from its observer): checked, planned and submitted. */
  onSymptom(value: unknown): void {
    let symptom: Symptom;
    try {
      symptom = checkSymptom(value);
    } catch (error) {
      this.fault('analyze', error);
      return;
    }
    // Analyze time is how long the analyzer held the data (windows, stabilization): scheduler time from the
    // newest input to the symptom. Timing each observation with a wall clock would cost more than the loop.
    let newest = -Infinity;
    for (const input of symptom.inputs) if (input.at > newest) newest = input.at;
    const analyzeMs = newest === -Infinity ? 0 : Math.max(0, this.deps.scheduler.now() - newest);
    // without an SDK nothing is made for the trace: no attributes closure, no span (a shared untraced loop)
    const loop = loopTracing() ? this.startTrace(symptom, analyzeMs) : UNTRACED_LOOP;
    const planStarted = performance.now();
    let plan: Plan | undefined;
    try {
      const { definition } = this.attachment;
      // no closure unless a span records the plan: a symptom is planned many times a second
      plan = checkPlan(loop.recording ? childSpan(loop.context, 'homeostat.plan', this.loopAttributes(symptom), () => definition.plan(symptom, this.context)) : definition.plan(symptom, this.context));
    } catch (error) {
      loop.span.end();
      this.fault('plan', error);
      return;
    }
    if (!plan) {
      loop.span.setAttribute('homeostat.outcome', 'no_plan');
      loop.span.end();
      return;
    }
    // timed only when there is a plan to record it with: a symptom planned to nothing costs one clock read less
    const planMs = performance.now() - planStarted;
    const traceId = traceIdOf(loop.span);
    try {
      this.executor.submit(traceId === undefined ? { symptom, plan, analyzeMs, planMs, trace: loop } : { symptom, plan, analyzeMs, planMs, trace: loop, traceId });
    } catch (error) {
      this.fault('execute', error);
    }
  }

  /** The span attributes of one loop iteration of this policy. */
  private loopAttributes(symptom: Symptom): Record<string, string> {
    return { 'homeostat.policy': this.attachment.id, 'homeostat.policy.name': this.attachment.definition.name, 'homeostat.entity': this.attachment.entity.id, 'homeostat.symptom': symptom.kind };
  }

  private startTrace(symptom: Symptom, analyzeMs: number): LoopTrace {
    return startLoopTrace(() => this.loopAttributes(symptom), analyzeMs);
  }

  /** @internal a fault of the current run: recorded, and the policy restarted with backoff. */
  fault(phase: PolicyFault['phase'], error: unknown): void {
    this.generation++;
    // the fault is recorded first: a finalizer that throws as the run ends is a fault of its own, after it
    const teardown = this.detachRun();
    if (this.stopped || this.restartTimer) {
      if (teardown) this.teardownFailed(teardown);
      return;
    }
    const now = this.deps.scheduler.now();
    if (now - this.startedAt >= HEALTHY_RUN_MS) this.consecutiveFaults = 0;
    this.faultCount += 1;
    this.consecutiveFaults += 1;
    const restartInMs = Math.min(MAX_RESTART_MS, FIRST_RESTART_MS * 2 ** (this.consecutiveFaults - 1));
    const fault: PolicyFault = { at: now, policy: this.attachment.id, entity: this.attachment.entity.id, phase, message: faultMessage(error), restartInMs };
    this.restartTimer = this.deps.scheduler.schedule(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.start();
    }, restartInMs);
    this.report(fault);
    if (teardown) this.teardownFailed(teardown);
  }

  /**
   * @internal ends a run's subscription (the current one, or `subscription` when given: a run ending itself);
   * a finalizer that throws is recorded as a `teardown` fault, never thrown
   */
  endRun(subscription?: Subscription): void {
    const teardown = subscription === undefined ? this.detachRun() : endSubscription(subscription);
    if (teardown) this.teardownFailed(teardown);
  }

  /** Ends the current run's subscription and forgets it; what its teardown threw. */
  private detachRun(): TeardownFailure | undefined {
    const subscription = this.subscription;
    this.subscription = undefined;
    return endSubscription(subscription);
  }

  /** Records a run's teardown that threw: counted and reported, restarting nothing (the run ended regardless). */
  private teardownFailed({ error }: TeardownFailure): void {
    this.faultCount += 1;
    const message = `ending the policy's stream threw (its other finalizers ran, and the stream is ended): ${faultMessage(error)}`;
    this.report({ at: this.deps.scheduler.now(), policy: this.attachment.id, entity: this.attachment.entity.id, phase: 'teardown', message, restartInMs: 0 });
  }

  /** Records a fault in knowledge and hands it to the engine's listener. */
  private report(fault: PolicyFault): void {
    this.deps.knowledge.recordFault(fault);
    try {
      this.deps.onFault(fault);
    } catch {
      // a listener's failure is its own; the fault is recorded (and the restart scheduled)
    }
  }
}

/** A fault's message: never throws (a circular or odd thrown value) and stays bounded. */
function faultMessage(error: unknown): string {
  let message: string;
  try {
    // describeError gives undefined for a thrown undefined (JSON.stringify) and throws on a circular value
    const described = describeError(error) as string | undefined;
    message = typeof described === 'string' ? described : String(error);
  } catch {
    message = Object.prototype.toString.call(error);
  }
  return cutText(message, 2_000);
}

/**
 * The subscriber of one run of a policy's stream: one small object with its methods on the prototype, not an
 * object of three closures per policy (a tree of a million entities runs millions of policies). Being a
 * Subscriber itself, it is subscribed as it is, where a plain observer would be wrapped in two more objects.
 * The runner's methods catch what a policy throws, so nothing thrown here reaches the stream's producer.
 */
class RunSubscriber extends Subscriber<unknown> {
  /** The burst of the latest symptom (see `symptomBurst`), and how many symptoms it has had. */
  private burst = -1;
  private inBurst = 0;

  constructor(
    private readonly runner: PolicyRunner,
    private readonly generation: number,
  ) {
    super();
  }

  protected override _next(value: unknown): void {
    if (!this.runner.isLive(this.generation)) return;
    const burst = symptomBurst();
    if (burst !== this.burst) {
      this.burst = burst;
      this.inBurst = 0;
    }
    if (++this.inBurst > MAX_SYMPTOMS_PER_BURST) return this.flooded();
    this.runner.onSymptom(value);
  }

  /** Faults a run that emitted more symptoms than a burst may hold, and ends it (a synchronous source stops). */
  private flooded(): void {
    try {
      this.runner.fault('analyze', new PolicyContractError(`analyze emitted more than ${MAX_SYMPTOMS_PER_BURST} symptoms without yielding: a stream that emits in a loop holds every other loop up (a few symptoms per reading is what an analyzer emits)`));
    } finally {
      this.runner.endRun(this);
    }
  }

  protected override _error(error: unknown): void {
    try {
      if (this.runner.isLive(this.generation)) this.runner.fault('analyze', error);
    } finally {
      this.runner.endRun(this);
    }
  }

  protected override _complete(): void {
    try {
      if (this.runner.isLive(this.generation)) this.runner.fault('analyze', new PolicyContractError('the analyze stream completed: a policy stream must run until the policy is stopped'));
    } finally {
      this.runner.endRun(this);
    }
  }
}
