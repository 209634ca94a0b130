import type { PolicyState } from '../../knowledge/policy-state.js';
import type { Json } from '../../knowledge/store.js';

/** A batch of fixes the policy planned: per entity, the versions it moves each package to and from. */
export interface BatchProgress {
  readonly id: number;
  readonly plannedAt: number;
  readonly entities: Readonly<Record<string, { readonly to: Readonly<Record<string, string>>; readonly from: Readonly<Record<string, string>> }>>;
  /** Set when the batch's Decision is recorded. */
  readonly outcome?: string;
  readonly decidedAt?: number;
  readonly error?: string;
}

/** Why an entity's fix is held back after it was tried. */
export interface FailedFix {
  readonly reason: 'health_gate_failed' | 'verification_failed';
  readonly at: number;
  readonly detail: string;
  /** When the findings it was judged on were read. */
  readonly reportAt: number;
  /** The versions it was being moved to (package -> version): the same fix is not tried elsewhere meanwhile. */
  readonly fixes?: Readonly<Record<string, string>>;
}

/** A group grown by one member (a surge) so that its members can be updated without costing its quorum. */
export interface SurgeProgress {
  /** Its serving members before the surge: the size it shrinks back to. */
  readonly from: number;
  /** The size it was grown to. */
  readonly size: number;
  /** When the surge was planned. */
  readonly at: number;
}

/** The policy's persistent progress: the batch in flight, entities whose fix failed, the last batch number, surged groups. */
export interface RemediationProgress {
  readonly batch?: BatchProgress;
  readonly failed: Readonly<Record<string, FailedFix>>;
  readonly batches: number;
  readonly surges?: Readonly<Record<string, SurgeProgress>>;
}

const KEY = 'remediation';

/** Reads the progress (policy state survives a restart of the service). */
export function readProgress(state: PolicyState): RemediationProgress {
  const value = state.get<Json>(KEY) as Partial<RemediationProgress> | null | undefined;
  return value && typeof value === 'object' ? { failed: value.failed ?? {}, batches: value.batches ?? 0, ...(value.batch ? { batch: value.batch } : {}), ...(value.surges ? { surges: value.surges } : {}) } : { failed: {}, batches: 0 };
}

/** Writes the progress. */
export function writeProgress(state: PolicyState, progress: RemediationProgress): void {
  // plain JSON: numbers, strings and records only
  state.set(KEY, progress as unknown as Json);
}
