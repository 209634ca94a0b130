/**
 * homeostat: autonomic control loops (Monitor -> Analyze -> Plan -> Execute over shared Knowledge) for a
 * tree of managed entities. This module is the public surface.
 */

// model
export { Entity, type EntitySpec } from './core/entity.js';
export { EntityTree, type TreeChange } from './core/entity-tree.js';
export { SERVICE_STATES, SERVICE_UP, SERVICE_STATE, isWindingDown, type ServiceState } from './core/lifecycle.js';
export { hasQuorum, describeQuorum, quorumRuleSchema, type QuorumRule } from './core/quorum.js';
export { ESCALATION, escalateEffector } from './core/standard-effectors.js';
export { turnOffPretenuring } from './core/pretenuring.js';
export * from './core/errors.js';
export { parseDuration, durationSchema, intervalSchema, boundedDuration, isDurationSchema, MAX_DURATION_MS } from './core/duration.js';
export { MAX_GROUP_SIZE, MAX_ATTEMPTS, groupSizeSchema, attemptsSchema } from './core/limits.js';
export { sleep } from './core/time.js';
export type { SchedulerLike } from 'rxjs';

// sensors, feeds, enrichers
export { defineSensor, numberSensor, booleanSensor, type SensorDefinition } from './sensors/define-sensor.js';
export { Sensor } from './sensors/sensor.js';
export type { Reading, Observation, RejectedReading } from './sensors/reading.js';
export { TimeWindow, percentile, type WindowMean } from './sensors/time-window.js';
export { pollFeed, type Feed, type FeedError, type PollFeedOptions } from './sensors/poll-feed.js';
export type { Enricher, EnricherContext } from './sensors/enrichers/enricher.js';
export { aggregate, type AggregateOp, type AggregateOptions } from './sensors/enrichers/aggregate.js';
export { transform, type TransformOptions } from './sensors/enrichers/transform.js';
export { rate, type RateOptions } from './sensors/enrichers/rate.js';
export { rollingMeanEnricher, type RollingMeanEnricherOptions } from './sensors/enrichers/rolling-mean.js';
export { percentiles, type PercentilesOptions } from './sensors/enrichers/percentiles.js';
export { quorumUp, type QuorumUpOptions } from './sensors/enrichers/quorum-up.js';
export { FeedKindRegistry, feedCommonShape, type FeedKind, type FeedCommon, type FeedReader, type FeedResult, type FeedSample, type FeedKindContext, type FeedTemplate } from './sensors/feeds/feed-kind.js';
export { builtinFeedKinds } from './sensors/feeds/builtin-feed-kinds.js';
export { prometheusFeed, type PrometheusFeedDecl } from './sensors/feeds/prometheus.js';
export { httpFeed, HttpFeedError, type HttpFeedDecl } from './sensors/feeds/http.js';
export { execFeed, type ExecFeedDecl } from './sensors/feeds/exec.js';
export { runFeed, nextDelay, FeedTimeoutError, type RunFeedOptions } from './sensors/feeds/feed-runner.js';
export { FeedBoard, FeedHealth, type FeedEvent, type FeedHealthSnapshot, type PollResult, type ReadingResult } from './sensors/feeds/feed-health.js';
export { instantQuery, PrometheusQueryError, type PromSample } from './sensors/feeds/prometheus-api.js';
export { parseExposition, selectSample, ExpositionError, type ExposedSample } from './sensors/feeds/prom-text.js';
export { renderTemplate, templateFields, TemplateError } from './sensors/feeds/template.js';
export { secretSourceSchema, feedAuthSchema, readSecret, SecretUnavailableError, type SecretSource, type FeedAuth } from './sensors/feeds/secret-source.js';
export { CommandFailedError } from './sensors/feeds/run-command.js';
export { UnreachableError } from './sensors/feeds/fetch-text.js';
export { AlertSink, type AlertSinkOptions, type AlertReceipt } from './sensors/feeds/alert-sink.js';
export { webhookPayloadSchema, type WebhookPayload, type WebhookAlert, type AlertState } from './sensors/feeds/alertmanager-payload.js';
export { pushReading, NotPushableError } from './sensors/push-reading.js';
export { FeedMetrics } from './telemetry/feed-metrics.js';

// analyzers
export { threshold, type ThresholdOptions, type ThresholdSymptom } from './analyzers/threshold.js';
export { stabilized, type StabilizedOptions } from './analyzers/stabilized.js';
export { rollingMean, type RollingMeanOptions, type WindowedObservation } from './analyzers/rolling-mean.js';
export { staleness, type StalenessSymptom } from './analyzers/stale.js';
export { consecutiveFailures, type ConsecutiveFailuresOptions, type HealthSymptom } from './analyzers/consecutive-failures.js';

// planners
export { targetTracking, clampCapacity, type TargetTrackingInput, type TargetTrackingResult } from './planners/target-tracking.js';
export { stabilize, remember, type Recommendation } from './planners/stabilization-window.js';

// effectors
export { defineEffector, type EffectorDefinition, type EffectorContext, type AnyEffectorDefinition } from './effectors/define-effector.js';
export { EffectorInvoker, InvocationFailedError, type InvokeOptions } from './effectors/invoker.js';
export type { InvocationRecord, Caller } from './effectors/invocation.js';
export { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from './effectors/retry-policy.js';

// policies and the engine
export { definePolicy, type PolicyDefinition, type PolicyContext, type Plan, type Symptom, type SensorRequirement, type EffectorRequirement, type AnyPolicyDefinition } from './policies/define-policy.js';
export { autoscaler, autoscalerConfig, type AutoscalerConfig } from './policies/autoscaler.js';
export { restarter, restarterConfig } from './policies/restarter.js';
export { BUILTIN_POLICIES } from './policies/builtins.js';
export { Engine, DEFAULT_STOP_GRACE_MS, type EngineOptions, type StopOptions } from './core/engine/engine.js';
export { QuotaExceededError } from './core/engine/quota-exceeded-error.js';
export type { QuotaNumbers } from './core/engine/quota-check.js';
export { PolicyContractError } from './core/engine/policy-contract.js';
export { EngineStoppedError } from './core/engine/stop-abort.js';
export { COALESCED_OUTCOMES } from './core/engine/decision-coalescer.js';
export type { AttachOptions, PolicyStatus } from './core/engine/attachment.js';

// knowledge
export { Knowledge, type KnowledgeOptions } from './knowledge/knowledge.js';
export { MemoryStore, type MemoryStoreOptions } from './knowledge/memory-store.js';
export type { KnowledgeStore, WriteOp, WriteFence, WriteResult, FencedWrites, DecisionQuery, InvocationQuery, Json, SensorSnapshot } from './knowledge/store.js';
export type { AuditEntry, AuditQuery } from './knowledge/audit-entry.js';
export type { PolicyState } from './knowledge/policy-state.js';
export { DECISION_OUTCOMES, NON_ACTION_OUTCOMES, type NonActionOutcome, type Decision, type DecisionOutcome, type Action, type PolicyFault } from './knowledge/decision.js';

// blueprints and drivers
export { loadBlueprint, parseBlueprint, type LoadBlueprintOptions } from './blueprint/load.js';
export { BlueprintError, formatProblem, type BlueprintProblem } from './blueprint/problems.js';
export type { Blueprint, ResolvedEntity, ResolvedPolicy } from './blueprint/resolved.js';
export { Deployment, type DeployOptions } from './blueprint/deployment.js';
export { EntityTypeRegistry, type EntityType, type DriverContext } from './drivers/entity-type.js';
export { builtinTypes } from './drivers/builtin-types.js';
export { seededRandom } from './drivers/seeded-random.js';

// simulation
export { elasticity, type ElasticityMetrics, type StepFunction } from './sim/elasticity.js';
export { readTrace, parseDeltaTrace, parseCsvTrace, TraceError, type ArrivalTrace } from './sim/trace.js';
export { runSimulation, type SimulationOptions, type SimulationRun } from './sim/run-simulation.js';
export { formatReport, type SimulationReport, type SwimResult } from './sim/report.js';
export { chartSvg } from './sim/chart.js';
export { SimulationHost, type SimulatedSystem } from './sim/simulation-host.js';
export { WebClusterModel, SWIM_DEFAULTS, InsufficientCapacityError, type WebClusterSettings } from './sim/swim/web-cluster-model.js';
export { periodUtility, SWIM_MAX_SERVICE_RATE } from './sim/swim/utility.js';
export type { PeriodStats } from './sim/swim/period-stats.js';
export { brownout, brownoutConfig } from './policies/brownout.js';
export { replacer, replacerConfig } from './policies/replacer.js';
export { failover, failoverConfig, electionCandidates } from './policies/failover.js';
export { disasterRecovery, disasterRecoveryConfig } from './policies/disaster-recovery.js';
export { runbookSchema, runbookActions, type RunbookStep } from './planners/runbook-schema.js';
export { failureDetector, type FailureDetectorOptions } from './analyzers/failure-detector.js';
export { phiAccrual, phi, type PhiAccrualOptions } from './analyzers/phi-accrual.js';
export { rolling, RollingFailedError, type RollingSteps } from './effectors/rolling.js';
export { memberObservations } from './sensors/member-observations.js';
export type { ActionBudget } from './core/engine/arbiter.js';
export { RunbookFailedError, type StepResult } from './core/engine/runbook.js';
export type { Check } from './knowledge/decision.js';
export { stepScaler, stepScalerConfig } from './policies/step-scaler.js';
export { scheduledScaler, scheduledScalerConfig } from './policies/scheduled-scaler.js';
// progressive delivery and releases
export { release } from './policies/release.js';
export { releaseConfig, releaseTargetSchema, type ReleaseConfig, type ReleaseTarget } from './policies/release/config.js';
export { maintenanceWindowSchema, windowVerdict, describeVerdict, cronProblem, type MaintenanceWindow, type WindowVerdict } from './core/maintenance-window.js';
export { FREEZE_SENSOR, freezeOf, firstFreeze, setFreeze, ensureFreezeSwitch, type Freeze } from './core/freeze.js';
export { metricCheckSchema, analyseStep, evaluateCheck, describeResults, type MetricCheck, type CheckResult, type StepSamples } from './effectors/progressive/analysis.js';
export { runCanary, CanaryAbortedError, type CanaryPlan, type CanaryStep, type CanaryStepReport } from './effectors/progressive/canary.js';
export { runBlueGreen, BlueGreenAbortedError, type BlueGreenPlan, type BlueGreenOps } from './effectors/progressive/blue-green.js';
export type { OperationRecord, RecordOperation } from './effectors/progressive/operation-record.js';
export { canaryParams, blueGreenParams, RELEASE_ACTIVE } from './drivers/progressive-effectors.js';

// testing
export { VirtualClock } from './testing/virtual-clock.js';
export { defineTypes, type TypeModule } from './blueprint/type-modules.js';
export { defineEffectorKind, EffectorKindRegistry, type EffectorKind, type EffectorRun, type KindCheckContext, type KindProblem } from './effectors/kinds/effector-kind.js';
export { builtinEffectorKinds } from './effectors/kinds/builtin-kinds.js';
export { httpEffectorKind, HttpEffectorError } from './effectors/kinds/http.js';
export { execEffectorKind, ExecFailedError, type ExecOutcome } from './effectors/kinds/exec.js';
export { paramsToZod, type ParamsDecl } from './effectors/kinds/param-schema.js';
export { processType, PROCESS_SENSORS } from './drivers/process/process-type.js';
export { processGroupType } from './drivers/process/process-group.js';
export { processEvents$, type ProcessEvent } from './drivers/process/supervisor.js';

// failover, DR and paging: safety invariants checkable from outside
export { writablePrimaries, splitBrains } from './sim/writable-primaries.js';
export { replicationGroupOf, isWritablePrimary } from './core/replication-group.js';
export { SCALE_FLOOR, setFloorEffector } from './core/standard-effectors.js';
export { evaluateGuard, describeGuard, type GuardResult } from './core/guards.js';
export type { Guard } from './knowledge/decision.js';
export { RunbookStoppedError } from './core/engine/runbook.js';
export { escalationPager, escalationPagerConfig } from './policies/escalation-pager.js';
export { alertPager, alertPagerConfig, type AlertPagerConfig } from './policies/alert-pager.js';
export { guarded } from './policies/guarded.js';
export { notifyEffector, notifierType, notifyWebhookSchema, type NotifyWebhook } from './effectors/kinds/notify.js';
export { renderNotification, notificationSchema, NOTIFY_TEMPLATES, type Notification, type NotifyTemplate } from './effectors/kinds/notify-templates.js';
export { FenceFailedError } from './drivers/sim-database.js';
export type { SimulatedTraffic } from './sim/simulation-host.js';
