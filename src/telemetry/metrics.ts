import { Registry, type RegistryContentType } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { Engine } from '../core/engine/engine.js';
import type { EntityTree } from '../core/entity-tree.js';
import type { Decision } from '../knowledge/decision.js';
import type { InvocationRecord } from '../effectors/invocation.js';
import { Registrations } from './registrations.js';
import { registerStateGauges } from './state-gauges.js';
import { lookup2 } from './tally/labels.js';
import { TalliedHistogram, type HistogramSeries } from './tally/tallied-histogram.js';
import { TalliedCounter, TalliedGauge } from './tally/tallied-values.js';
import type { ValueSeries } from './tally/value-series.js';

const PHASE_BUCKETS = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600];
const EFFECTOR_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

/** The series of one (policy, action): its last-decision gauge and its decision counter per outcome. */
interface ActionTally {
  readonly action: string;
  readonly last: ValueSeries;
  readonly byOutcome: Map<string, ValueSeries>;
}

/** The series of one (effector, result). */
interface InvocationTally {
  readonly count: ValueSeries;
  readonly seconds: HistogramSeries;
}

/**
 * homeostat's Prometheus metrics, registered on a registry the host owns (or a new one). Names carry the
 * `homeostat_` prefix and base units; labels are bounded: policy names (never the ids of members), effector
 * names, outcomes, phases, entity types and states.
 *
 * Decisions, invocations, rejected readings and faults are counted in this object's own series, found by
 * the strings each event already carries, and handed to prom-client when the registry is read: no label
 * object is built or hashed per decision. Each instance counts on its own.
 */
export class HomeostatMetrics {
  readonly registry: Registry<RegistryContentType>;
  private readonly decisions: TalliedCounter<'policy' | 'action' | 'outcome'>;
  private readonly lastDecision: TalliedGauge<'policy' | 'action'>;
  private readonly invocations: TalliedCounter<'effector' | 'result'>;
  private readonly invocationSeconds: TalliedHistogram<'effector' | 'result'>;
  private readonly rejected: TalliedCounter<'sensor'>;
  private readonly faults: TalliedCounter<'policy'>;
  private readonly analyzePhase: HistogramSeries;
  private readonly planPhase: HistogramSeries;
  private readonly executePhase: HistogramSeries;
  private readonly byAction = new Map<string, Map<string, ActionTally>>();
  private readonly byInvocation = new Map<string, Map<string, InvocationTally>>();
  private readonly bySensor = new Map<string, ValueSeries>();
  private readonly byFaultyPolicy = new Map<string, ValueSeries>();
  private readonly subscriptions: Subscription[] = [];
  private readonly releaseStateGauges: () => void;
  private readonly unregister: () => void;
  private readonly exemplars: boolean;

  /** @throws Error (from prom-client) when the registry already holds a metric of the same name. */
  constructor(options: { registry?: Registry<RegistryContentType>; engine: Engine; tree: EntityTree }) {
    const registry = (this.registry = options.registry ?? new Registry());
    const { engine, tree } = options;
    const registrations = new Registrations(registry);
    const registers = [registry];
    // trace ids as exemplars, where the registry speaks OpenMetrics
    this.exemplars = registry.contentType.includes('openmetrics');
    this.decisions = new TalliedCounter({ name: 'homeostat_decisions_total', help: 'Decisions by policy, action and outcome.', labelNames: ['policy', 'action', 'outcome'], registers, enableExemplars: this.exemplars });
    // across a cluster's workers, the latest of their timestamps (a sum of times is none)
    this.lastDecision = new TalliedGauge({ name: 'homeostat_last_decision_timestamp_seconds', help: 'When each policy last decided each action (for annotations).', labelNames: ['policy', 'action'], registers, aggregator: 'max' });
    const phases = new TalliedHistogram({ name: 'homeostat_loop_phase_duration_seconds', help: 'Time spent per loop phase (analyze: how long the analyzer held the data).', labelNames: ['phase'], buckets: PHASE_BUCKETS, registers });
    // made now, shown from their first observation (execute: from the first applied or failed decision)
    this.analyzePhase = phases.series({ phase: 'analyze' });
    this.planPhase = phases.series({ phase: 'plan' });
    this.executePhase = phases.series({ phase: 'execute' });
    this.invocations = new TalliedCounter({ name: 'homeostat_effector_invocations_total', help: 'Effector invocations by effector and result.', labelNames: ['effector', 'result'], registers });
    this.invocationSeconds = new TalliedHistogram({ name: 'homeostat_effector_duration_seconds', help: 'Effector invocation durations, retries and waits included.', labelNames: ['effector', 'result'], buckets: EFFECTOR_BUCKETS, registers });
    this.rejected = new TalliedCounter({ name: 'homeostat_sensor_rejected_readings_total', help: 'Readings rejected by their sensor schema (NaN, wrong type).', labelNames: ['sensor'], registers });
    this.faults = new TalliedCounter({ name: 'homeostat_policy_faults_total', help: 'Policies that threw and were restarted.', labelNames: ['policy'], registers });
    this.releaseStateGauges = registerStateGauges(registry, engine, tree);
    this.unregister = registrations.since();
    this.subscriptions.push(
      engine.decisions$.subscribe((d) => this.onDecision(d)),
      engine.invoker.records$.subscribe((r) => this.onInvocation(r)),
      tree.rejections$.subscribe((r) => this.onRejection(r.sensor)),
      engine.faults$.subscribe((f) => this.onFault(policyName(engine, f.policy))),
    );
  }

  /**
   * Stops following the engine, lets go of the tree and the engine, and takes every metric it registered out
   * of the registry (the host's other metrics stay): a new instance on the same registry then registers its
   * own and counts from zero. Scrapers see the counters start again, as after a restart.
   */
  close(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.releaseStateGauges();
    this.unregister();
  }

  private onDecision(d: Decision): void {
    const tally = lookup2(this.byAction, d.policyName, actionLabel(d), this.newActionTally);
    let counted = tally.byOutcome.get(d.outcome);
    if (counted === undefined) tally.byOutcome.set(d.outcome, (counted = this.decisions.series({ policy: d.policyName, action: tally.action, outcome: d.outcome })));
    counted.add(1);
    // the latest trace id of the label set is its exemplar
    if (this.exemplars && d.traceId) counted.exemplify(d.traceId);
    // called once per plan (a coalesced record is emitted again for each plan it stands for)
    tally.last.set((d.lastAt ?? d.at) / 1000);
    this.analyzePhase.observe(d.durations.analyzeMs / 1000);
    this.planPhase.observe(d.durations.planMs / 1000);
    if (d.outcome === 'applied' || d.outcome === 'failed') this.executePhase.observe(d.durations.executeMs / 1000);
  }

  private readonly newActionTally = (policy: string, action: string): ActionTally => ({ action, last: this.lastDecision.series({ policy, action }), byOutcome: new Map() });

  private onInvocation(r: InvocationRecord): void {
    const tally = lookup2(this.byInvocation, r.effector, r.outcome, this.newInvocationTally);
    tally.count.add(1);
    tally.seconds.observe(r.durationMs / 1000);
  }

  private readonly newInvocationTally = (effector: string, result: string): InvocationTally => ({
    count: this.invocations.series({ effector, result }),
    seconds: this.invocationSeconds.series({ effector, result }),
  });

  private onRejection(sensor: string): void {
    let series = this.bySensor.get(sensor);
    if (series === undefined) this.bySensor.set(sensor, (series = this.rejected.series({ sensor })));
    series.add(1);
  }

  private onFault(policy: string): void {
    let series = this.byFaultyPolicy.get(policy);
    if (series === undefined) this.byFaultyPolicy.set(policy, (series = this.faults.series({ policy })));
    series.add(1);
  }
}

/** The effectors of a decision as one bounded label (`none` for a decision to hold). */
export function actionLabel(d: Decision): string {
  // one action (the common plan) needs no set and no join
  if (d.actions.length === 1) return (d.actions[0] as Decision['actions'][number]).effector;
  return d.actions.length === 0 ? 'none' : [...new Set(d.actions.map((a) => a.effector))].join('+');
}

function policyName(engine: Engine, id: string): string {
  try {
    return engine.attachment(id).definition.name;
  } catch {
    return 'unknown';
  }
}
