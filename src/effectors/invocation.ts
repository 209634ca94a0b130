/** Who asked for an effector invocation. */
export type Caller = { readonly kind: 'policy'; readonly name: string } | { readonly kind: 'person'; readonly name: string };

/** The record of one effector invocation, written whatever its outcome. */
export interface InvocationRecord {
  readonly id: string;
  /** Scheduler time the invocation was requested (ms). */
  readonly at: number;
  readonly entity: string;
  readonly effector: string;
  readonly caller: Caller;
  readonly params: unknown;
  /**
   * `rejected`: params failed validation and nothing ran. `unknown`: the service stopped while it ran, so
   * its effect was never confirmed (found at the next start; never repeated blindly: policies re-read state).
   */
  readonly outcome: 'succeeded' | 'failed' | 'rejected' | 'unknown';
  readonly attempts: number;
  /** Scheduler time from request to end, including waiting for the entity and retry delays (ms). */
  readonly durationMs: number;
  readonly result?: unknown;
  /** `detail`: what the effector reported with its failure (exit code, bounded output, HTTP status). */
  readonly error?: { readonly code: string; readonly message: string; readonly detail?: unknown };
  /** The fencing token of the lease this instance acted under (several instances; see `homeostat run --ha`). */
  readonly fencingToken?: number;
}

/** An invocation that has started and not yet ended: what a restart finds when the service died meanwhile. */
export type InFlightInvocation = Pick<InvocationRecord, 'id' | 'at' | 'entity' | 'effector' | 'caller' | 'params' | 'fencingToken'>;
