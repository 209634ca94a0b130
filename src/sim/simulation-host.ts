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

/**
 * What a simulation gives the drivers of simulated entity types: the trace to replay, and a place to
 * register what they simulate so the report can read it.
 */
export class SimulationHost {
  private readonly registered: SimulatedSystem[] = [];

  constructor(readonly trace?: ArrivalTrace) {}

  register(system: SimulatedSystem): void {
    this.registered.push(system);
  }

  get systems(): readonly SimulatedSystem[] {
    return this.registered;
  }
}
