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
  /** `rejected`: params failed validation and nothing ran. */
  readonly outcome: 'succeeded' | 'failed' | 'rejected';
  readonly attempts: number;
  /** Scheduler time from request to end, including waiting for the entity and retry delays (ms). */
  readonly durationMs: number;
  readonly result?: unknown;
  /** `detail`: what the effector reported with its failure (exit code, bounded output, HTTP status). */
  readonly error?: { readonly code: string; readonly message: string; readonly detail?: unknown };
}
