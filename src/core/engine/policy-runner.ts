import type { SchedulerLike, Subscription } from 'rxjs';
import type { EntityTree } from '../entity-tree.js';
import { describeError } from '../errors.js';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { Decision, PolicyFault } from '../../knowledge/decision.js';
import type { PolicyContext, Symptom } from '../../policies/define-policy.js';
import type { PolicyAttachment } from './attachment.js';
import type { PlanExecutor } from './plan-executor.js';
import { childSpan, startLoopTrace, traceIdOf } from '../../telemetry/tracing.js';

/** What a runner needs from the engine (shared by every runner). */
export interface RunnerDeps {
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
 * Runs one attached policy's monitor -> analyze -> plan and hands plans to its executor. A policy that
 * throws in any phase is isolated: the fault is recorded and the policy restarted with backoff, while every
 * other loop keeps running. Phase `monitor` is a failure to build the stream; an error inside the stream
 * is reported under `analyze`.
 */
export class PolicyRunner {
  private subscription: Subscription | undefined;
  private restartTimer: Subscription | undefined;
  private faultCount = 0;
  private consecutiveFaults = 0;
  private startedAt = 0;
  private stopped = true;
  readonly context: PolicyContext<unknown>;

  constructor(
    readonly attachment: PolicyAttachment,
    readonly executor: PlanExecutor,
    private readonly deps: RunnerDeps,
  ) {
    this.context = {
      policyId: attachment.id,
      entity: attachment.entity,
      tree: deps.tree,
      config: attachment.config,
      scheduler: deps.scheduler,
      state: deps.knowledge.policyState(attachment.id),
    };
  }

  get state(): 'running' | 'restarting' | 'stopped' {
    if (this.restartTimer) return 'restarting';
    return this.stopped ? 'stopped' : 'running';
  }

  get faults(): number {
    return this.faultCount;
  }

  start(): void {
    this.stopped = false;
    this.startedAt = this.deps.scheduler.now();
    const { definition } = this.attachment;
    try {
      const monitored = definition.monitor(this.context);
      this.subscription = definition.analyze(monitored, this.context).subscribe({
        next: (symptom: Symptom) => this.onSymptom(symptom),
        error: (error: unknown) => this.fault('analyze', error),
      });
    } catch (error) {
      this.fault('monitor', error);
    }
  }

  stop(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.restartTimer?.unsubscribe();
    this.restartTimer = undefined;
  }

  /** Passes a decision of this policy to its `observe` hook; a hook that throws is a fault like any other. */
  observe(decision: Decision): void {
    const hook = this.attachment.definition.observe;
    if (!hook) return;
    try {
      hook(decision, this.context);
    } catch (error) {
      this.fault('plan', error);
    }
  }

  private onSymptom(symptom: Symptom): void {
    // Analyze time is how long the analyzer held the data (windows, stabilization): scheduler time from the
    // newest input to the symptom. Timing each observation with a wall clock would cost more than the loop.
    let newest = -Infinity;
    for (const input of symptom.inputs) if (input.at > newest) newest = input.at;
    const analyzeMs = newest === -Infinity ? 0 : Math.max(0, this.deps.scheduler.now() - newest);
    const attributes = () => ({ 'homeostat.policy': this.attachment.id, 'homeostat.policy.name': this.attachment.definition.name, 'homeostat.entity': this.attachment.entity.id, 'homeostat.symptom': symptom.kind });
    const loop = startLoopTrace(attributes, analyzeMs);
    const planStarted = performance.now();
    let plan;
    try {
      const planIt = () => this.attachment.definition.plan(symptom, this.context);
      plan = loop.recording ? childSpan(loop.context, 'homeostat.plan', attributes(), planIt) : planIt();
    } catch (error) {
      loop.span.end();
      this.fault('plan', error);
      return;
    }
    const planMs = performance.now() - planStarted;
    if (!plan) {
      loop.span.setAttribute('homeostat.outcome', 'no_plan');
      loop.span.end();
      return;
    }
    const traceId = traceIdOf(loop.span);
    this.executor.submit({ symptom, plan, analyzeMs, planMs, trace: loop, ...(traceId === undefined ? {} : { traceId }) });
  }

  private fault(phase: PolicyFault['phase'], error: unknown): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    if (this.stopped) return;
    const now = this.deps.scheduler.now();
    if (now - this.startedAt >= HEALTHY_RUN_MS) this.consecutiveFaults = 0;
    this.faultCount += 1;
    this.consecutiveFaults += 1;
    const restartInMs = Math.min(MAX_RESTART_MS, FIRST_RESTART_MS * 2 ** (this.consecutiveFaults - 1));
    const fault: PolicyFault = { at: now, policy: this.attachment.id, entity: this.attachment.entity.id, phase, message: describeError(error), restartInMs };
    this.deps.knowledge.recordFault(fault);
    this.deps.onFault(fault);
    this.restartTimer = this.deps.scheduler.schedule(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.start();
    }, restartInMs);
  }
}
