import type { SchedulerLike } from 'rxjs';
import { ValidationError } from '../errors.js';
import type { EffectorInvoker } from '../../effectors/invoker.js';
import type { Knowledge } from '../../knowledge/knowledge.js';
import type { EntityTree } from '../entity-tree.js';

/** What the engine runs on. */
export interface EngineOptions {
  readonly tree: EntityTree;
  readonly knowledge: Knowledge;
  readonly scheduler: SchedulerLike;
  /** Shared invoker; one is created when omitted. */
  readonly invoker?: EffectorInvoker;
  /** Engine-wide dry run: every plan is recorded as `dry_run`. */
  readonly dryRun?: boolean;
  /** Default grace of `stop()` (ms): how long executions in flight may take before they are aborted. Default 10 000. */
  readonly stopGraceMs?: number;
  /**
   * Put in every decision id (`d-<ms>-<tag>-<n>`) so that instances sharing one knowledge store never make the
   * same id (a store replaces a decision whose id it already has). Default none: `d-<ms>-<n>`.
   */
  readonly decisionIdTag?: string;
}

/** Options of `Engine.stop`. */
export interface StopOptions {
  /**
   * How long plans already executing may go on (ms, scheduler time) before their effectors are aborted
   * through their AbortSignal and they are recorded as `failed` (E_ENGINE_STOPPED). 0 aborts at once.
   * Default: the engine's `stopGraceMs` (10 s).
   */
  readonly graceMs?: number;
}

/** Default stop grace (ms). */
export const DEFAULT_STOP_GRACE_MS = 10_000;
/** The longest grace a timer can wait (a 32-bit signed count of ms). */
const MAX_GRACE_MS = 2_147_483_647;

/**
 * A grace period checked: a finite number of ms a timer can wait (Node's timers wait 1 ms for anything else).
 * @param where what the value is, for the error (e.g. `engine stopGraceMs`)
 * @throws ValidationError naming `where` and the value when it is negative, not finite or too large for a timer
 */
export function checkGrace(ms: number, where: string): number {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_GRACE_MS) throw new ValidationError(where, [`must be a duration from 0 to ${MAX_GRACE_MS} ms, got ${String(ms)}`]);
  return ms;
}
