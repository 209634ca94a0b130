import type { ArrivalTrace } from './trace.js';
import type { PeriodStats } from './swim/period-stats.js';
import type { WebClusterSettings } from './swim/web-cluster-model.js';

/** A simulated system that reports what it saw, period by period. */
export interface SimulatedSystem {
  readonly entityId: string;
  readonly settings: WebClusterSettings;
  /** Monitoring period (s). */
  readonly periodSeconds: number;
  readonly periods: readonly PeriodStats[];
  /** Every change of the serving (active) server count: [time s, servers]. */
  readonly activeSteps: ReadonlyArray<readonly [number, number]>;
}

/** What a simulated traffic manager saw: where it routed, and the requests offered, served and dropped. */
export interface SimulatedTraffic {
  readonly entityId: string;
  /** Every route: [time s, site]. */
  readonly routes: Array<[number, string]>;
  /** Requests (integrated over time) all users made, and those the clusters served. */
  readonly requests: { offered: number; served: number };
}

/**
 * What a simulation gives the drivers of simulated entity types: the trace to replay, and a place to
 * register what they simulate so the report can read it.
 */
export class SimulationHost {
  private readonly registered: SimulatedSystem[] = [];
  private readonly failed = new Set<string>();
  private readonly lags = new Map<string, number>();
  private readonly trafficRecords: SimulatedTraffic[] = [];
  private readonly unfenceable = new Set<string>();
  private readonly partitioned = new Set<string>();
  private readonly truths = new Map<string, () => boolean>();

  constructor(
    readonly trace?: ArrivalTrace,
    /** Seconds left out of the results at the start (SWIM's warm-up period); undefined outside a scored run. */
    readonly warmupSeconds?: number,
  ) {}

  /** Injects a lasting fault: the entity and everything below it stay down, restarts included. */
  fail(entityId: string): void {
    this.failed.add(entityId);
  }

  /** Clears an injected fault (the entity recovers at its driver's next health check or restart). */
  recover(entityId: string): void {
    this.failed.delete(entityId);
  }

  /**
   * Overrides a simulated replica's replication lag (s) from now on, or clears the override with
   * undefined: a replica that falls behind or catches up, for fault schedules.
   */
  setReplicationLag(entityId: string, seconds: number | undefined): void {
    if (seconds === undefined) this.lags.delete(entityId);
    else this.lags.set(entityId, seconds);
  }

  /** The lag override of a simulated replica, if any (s). */
  replicationLag(entityId: string): number | undefined {
    return this.lags.get(entityId);
  }

  /** True when the entity or one of its ancestors has a fault injected. */
  isFailed(entity: { id: string; ancestors(): Iterable<{ id: string }> }): boolean {
    if (this.failed.has(entity.id)) return true;
    for (const ancestor of entity.ancestors()) if (this.failed.has(ancestor.id)) return true;
    return false;
  }

  /** Registers a traffic manager's record (it keeps updating it). */
  registerTraffic(traffic: SimulatedTraffic): void {
    this.trafficRecords.push(traffic);
  }

  get traffic(): readonly SimulatedTraffic[] {
    return this.trafficRecords;
  }

  /** From now on, fencing the entity fails (an unreachable node that cannot be fenced). */
  breakFence(entityId: string): void {
    this.unfenceable.add(entityId);
  }

  /** True when fencing the entity must fail. */
  fenceFails(entityId: string): boolean {
    return this.unfenceable.has(entityId);
  }

  /** Injects a partition: the entity (and what is below it) keeps running but homeostat cannot reach it. */
  partition(entityId: string): void {
    this.partitioned.add(entityId);
  }

  /** Ends a partition injected on the entity. */
  heal(entityId: string): void {
    this.partitioned.delete(entityId);
  }

  /** True when the entity or one of its ancestors is partitioned from homeostat. */
  isPartitioned(entity: { id: string; ancestors(): Iterable<{ id: string }> }): boolean {
    if (this.partitioned.has(entity.id)) return true;
    for (const ancestor of entity.ancestors()) if (this.partitioned.has(ancestor.id)) return true;
    return false;
  }

  /**
   * Registers how a simulated database tells whether it takes writes from its clients now (the ground truth,
   * which a partition hides from homeostat's sensors); the safety monitor judges by it.
   */
  registerWritable(entityId: string, writable: () => boolean): void {
    this.truths.set(entityId, writable);
  }

  /** Whether the database takes writes as its clients see it; undefined for entities that registered nothing. */
  writableAsClientsSee(entityId: string): boolean | undefined {
    return this.truths.get(entityId)?.();
  }

  register(system: SimulatedSystem): void {
    this.registered.push(system);
  }

  get systems(): readonly SimulatedSystem[] {
    return this.registered;
  }
}
