import { Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { Engine } from '../core/engine/engine.js';
import type { EntityTree } from '../core/entity-tree.js';
import type { Decision } from '../knowledge/decision.js';
import type { InvocationRecord } from '../effectors/invocation.js';

const PHASE_BUCKETS = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600];
const EFFECTOR_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

/**
 * homeostat's Prometheus metrics, registered on a registry the host owns (or a new one). Names carry the
 * `homeostat_` prefix and base units; labels are bounded: policy names (never the ids of members), effector
 * names, outcomes, phases, entity types and states.
 */
export class HomeostatMetrics {
  readonly registry: Registry<RegistryContentType>;
  private readonly decisions: Counter<'policy' | 'action' | 'outcome'>;
  private readonly lastDecision: Gauge<'policy' | 'action'>;
  private readonly phases: Histogram<'phase'>;
  private readonly invocations: Counter<'effector' | 'result'>;
  private readonly invocationSeconds: Histogram<'effector' | 'result'>;
  private readonly rejected: Counter<'sensor'>;
  private readonly faults: Counter<'policy'>;
  private readonly subscriptions: Subscription[] = [];
  private readonly exemplars: boolean;

  constructor(options: { registry?: Registry<RegistryContentType>; engine: Engine; tree: EntityTree }) {
    const registry = (this.registry = options.registry ?? new Registry());
    const { engine, tree } = options;
    // trace ids as exemplars, where the registry speaks OpenMetrics
    this.exemplars = registry.contentType.includes('openmetrics');
    this.decisions = new Counter({ name: 'homeostat_decisions_total', help: 'Decisions by policy, action and outcome.', labelNames: ['policy', 'action', 'outcome'], registers: [registry], enableExemplars: this.exemplars });
    this.lastDecision = new Gauge({ name: 'homeostat_last_decision_timestamp_seconds', help: 'When each policy last decided each action (for annotations).', labelNames: ['policy', 'action'], registers: [registry] });
    this.phases = new Histogram({ name: 'homeostat_loop_phase_duration_seconds', help: 'Time spent per loop phase (analyze: how long the analyzer held the data).', labelNames: ['phase'], buckets: PHASE_BUCKETS, registers: [registry] });
    this.invocations = new Counter({ name: 'homeostat_effector_invocations_total', help: 'Effector invocations by effector and result.', labelNames: ['effector', 'result'], registers: [registry] });
    this.invocationSeconds = new Histogram({ name: 'homeostat_effector_duration_seconds', help: 'Effector invocation durations, retries and waits included.', labelNames: ['effector', 'result'], buckets: EFFECTOR_BUCKETS, registers: [registry] });
    this.rejected = new Counter({ name: 'homeostat_sensor_rejected_readings_total', help: 'Readings rejected by their sensor schema (NaN, wrong type).', labelNames: ['sensor'], registers: [registry] });
    this.faults = new Counter({ name: 'homeostat_policy_faults_total', help: 'Policies that threw and were restarted.', labelNames: ['policy'], registers: [registry] });
    new Gauge({
      name: 'homeostat_entities',
      help: 'Entities by type and lifecycle state.',
      labelNames: ['type', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const entity of tree.entities()) this.inc({ type: entity.type, state: entity.state ?? 'created' });
      },
    });
    new Gauge({
      name: 'homeostat_stale_sensors',
      help: 'Sensors whose latest reading is older than their staleness bound, by sensor.',
      labelNames: ['sensor'],
      registers: [registry],
      collect() {
        this.reset();
        const now = tree.scheduler.now();
        for (const entity of tree.entities()) {
          for (const sensor of entity._createdSensors()) if (sensor.definition.staleAfterMs !== undefined && sensor.current && sensor.isStale(now)) this.inc({ sensor: sensor.name });
        }
      },
    });
    new Gauge({
      name: 'homeostat_policies',
      help: 'Attached policies by policy and state (running, suspended, dry_run, restarting).',
      labelNames: ['policy', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of engine.policies()) {
          const state = p.state === 'restarting' ? 'restarting' : p.suspended ? 'suspended' : p.dryRun ? 'dry_run' : 'running';
          this.inc({ policy: p.name, state });
        }
      },
    });
    this.subscriptions.push(
      engine.decisions$.subscribe((d) => this.onDecision(d)),
      engine.invoker.records$.subscribe((r) => this.onInvocation(r)),
      tree.rejections$.subscribe((r) => this.rejected.inc({ sensor: r.sensor })),
      engine.faults$.subscribe((f) => this.faults.inc({ policy: policyName(engine, f.policy) })),
    );
  }

  /** Stops following the engine (the metrics stay registered). */
  close(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  private onDecision(d: Decision): void {
    const action = actionLabel(d);
    const labels = { policy: d.policyName, action, outcome: d.outcome };
    // prom-client types exemplar labels with the metric's label names; a trace id is its own label
    if (this.exemplars && d.traceId) this.decisions.inc({ labels, value: 1, exemplarLabels: { traceId: d.traceId } as unknown as typeof labels });
    else this.decisions.inc(labels);
    // called once per plan (a coalesced record is emitted again for each plan it stands for)
    this.lastDecision.set({ policy: d.policyName, action }, (d.lastAt ?? d.at) / 1000);
    this.phases.observe({ phase: 'analyze' }, d.durations.analyzeMs / 1000);
    this.phases.observe({ phase: 'plan' }, d.durations.planMs / 1000);
    if (d.outcome === 'applied' || d.outcome === 'failed') this.phases.observe({ phase: 'execute' }, d.durations.executeMs / 1000);
  }

  private onInvocation(r: InvocationRecord): void {
    this.invocations.inc({ effector: r.effector, result: r.outcome });
    this.invocationSeconds.observe({ effector: r.effector, result: r.outcome }, r.durationMs / 1000);
  }
}

/** The effectors of a decision as one bounded label (`none` for a decision to hold). */
export function actionLabel(d: Decision): string {
  return d.actions.length === 0 ? 'none' : [...new Set(d.actions.map((a) => a.effector))].join('+');
}

function policyName(engine: Engine, id: string): string {
  try {
    return engine.attachment(id).definition.name;
  } catch {
    return 'unknown';
  }
}
