import type { Observation } from '../sensors/reading.js';

/**
 * Every outcome a Decision can have. `superseded`: a newer plan for the same target replaced it while it
 * waited. The last four are decisions not to act, each saying why: `no_action` (the plan found nothing to
 * do), `blocked` (an anti-flap or guard window holds it; reconsidered when the block ends), `refused` (no
 * safe way to act, e.g. no eligible replica; reconsidered when one appears), `quota_exceeded` (a quota or
 * budget of the policy is spent).
 */
export const DECISION_OUTCOMES = [
  'applied',
  'dry_run',
  'skipped_cooldown',
  'rate_limited',
  'preempted',
  'suspended',
  'failed',
  'rejected_stale',
  'superseded',
  'no_action',
  'blocked',
  'refused',
  'quota_exceeded',
] as const;

/** The outcomes that record a decision not to act, which a plan with no actions may name. */
export const NON_ACTION_OUTCOMES = ['no_action', 'blocked', 'refused', 'quota_exceeded'] as const;

/** A decision not to act. */
export type NonActionOutcome = (typeof NON_ACTION_OUTCOMES)[number];

/** One decision outcome. */
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/** A condition on a sensor that must hold, within a time, before a runbook goes on. */
export interface Check {
  readonly entity: string;
  readonly sensor: string;
  readonly op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';
  readonly value: number | boolean | string;
  /** How long to wait for it (ms). */
  readonly withinMs: number;
}

/** A condition on another entity's sensor, read at once (no waiting): a guard of a policy or a runbook step. */
export interface Guard {
  readonly entity: string;
  readonly sensor: string;
  readonly op: Check['op'];
  readonly value: number | boolean | string;
}

/**
 * One effector invocation a plan asks for. The optional fields make a plan a runbook: steps with ids and
 * dependencies (a DAG; by default each step follows the one before it), a timeout per step, a check that
 * must hold before dependent steps start, and a compensation run if a later step fails.
 */
export interface Action {
  /** Entity id (or path) to act on. */
  readonly entity: string;
  readonly effector: string;
  readonly params?: unknown;
  /** Step id, for `after` references and the record. */
  readonly id?: string;
  /** Steps that must have completed first. */
  readonly after?: readonly string[];
  /** Time allowed for this step's invocation (ms), instead of the effector's own. */
  readonly timeoutMs?: number;
  readonly check?: Check;
  /** Undoes this step; run in reverse order for completed steps when a later step fails. */
  readonly compensate?: { readonly entity: string; readonly effector: string; readonly params?: unknown };
  /** The step runs only when every guard holds as it is about to start; otherwise it and its dependents are skipped. */
  readonly when?: readonly Guard[];
  /**
   * The runbook's trigger, re-checked before this step starts: when a guard no longer holds (the failed
   * site is back), the runbook stops here and compensates what it did.
   */
  readonly trigger?: readonly Guard[];
  /** A failure of this step is recorded but does not stop its dependents (`fence: best-effort`). */
  readonly bestEffort?: boolean;
  /**
   * The step rotates this secret file: its effector writes a new value, then the file is read again and
   * must hold a different, readable value, or the step fails. Invocations after it use the new value.
   */
  readonly rotateSecret?: { readonly file: string };
}

/** The record of one plan: what the loop saw, what it decided and why, and what came of it. */
export interface Decision {
  readonly id: string;
  /** Scheduler time the outcome was known (ms). */
  readonly at: number;
  /** Entity the policy is attached to. */
  readonly entity: string;
  /** Policy instance id (unique in the tree), e.g. `web/autoscaler`. */
  readonly policy: string;
  /** Policy definition name, e.g. `autoscaler` (a bounded label for metrics). */
  readonly policyName: string;
  readonly symptom: { readonly kind: string; readonly detail?: unknown };
  readonly actions: readonly Action[];
  readonly reason: string;
  /** The sensor readings that led to the plan. */
  readonly inputs: readonly Observation[];
  readonly outcome: DecisionOutcome;
  /** Why the engine gave this outcome (cooldown end, what was stale, the error). */
  readonly detail?: string;
  readonly error?: { readonly code: string; readonly message: string };
  /** Wall-clock time spent per phase, in ms. */
  readonly durations: { readonly analyzeMs: number; readonly planMs: number; readonly executeMs: number };
  readonly traceId?: string;
  /**
   * How many plans this record stands for (default 1). Repeated identical decisions not to act (same
   * policy, outcome, symptom kind and reason, one right after the other) are coalesced into the record of
   * the first: it keeps its id and `at`, takes the latest plan's inputs, detail and durations, and counts
   * them. Every plan still has exactly one record: the sum of `count` over the log is the number of plans.
   */
  readonly count?: number;
  /** Scheduler time of the latest plan a coalesced record stands for (ms); absent when `count` is 1. */
  readonly lastAt?: number;
}

/** A policy that threw: recorded, then the policy is restarted with backoff. */
export interface PolicyFault {
  readonly at: number;
  readonly policy: string;
  readonly entity: string;
  /**
   * Where: building the streams, the stream itself, `plan()`, the `observe` hook, handing the plan to execute,
   * or a finalizer of the stream that threw as its run ended (`teardown`, which restarts nothing).
   */
  readonly phase: 'monitor' | 'analyze' | 'plan' | 'observe' | 'execute' | 'teardown';
  readonly message: string;
  /** Delay before the restart (ms); 0 for a `teardown`, after which nothing restarts. */
  readonly restartInMs: number;
}
