import { EMPTY, concat, filter, interval, map, merge, of, switchMap, take, takeWhile } from 'rxjs';
import { z } from 'zod';
import { failureDetector } from '../analyzers/failure-detector.js';
import { durationSchema, intervalSchema } from '../core/duration.js';
import { firstFailingGuard } from '../core/guards.js';
import type { Action, Guard } from '../knowledge/decision.js';
import { guardRefs, guardsSchema, toGuards } from '../planners/guard-schema.js';
import { runbookActions, runbookEffectors, runbookEntities, runbookSchema } from '../planners/runbook-schema.js';
import { definePolicy, type Plan } from './define-policy.js';
import { unfencedPromotions } from './promotion-safety.js';
import { notifyEffector, notifyInstead, notifyOptionSchema } from './notify-option.js';

/** Config of the built-in disaster-recovery policy. */
export const disasterRecoveryConfig = z.strictObject({
  /** The site or region watched (its `service.up` follows its quorum rule). */
  site: z.string().min(1),
  /** How long it must have lost quorum before the runbook runs. Default 30 s. */
  failureDelay: durationSchema.default(30_000),
  /** How long it must be back before it counts as recovered. Default 60 s. */
  recoveryDelay: durationSchema.default(60_000),
  /** Every step promoting a database must come after a fence of its group's primary (checked by `validate`). */
  runbook: runbookSchema,
  /**
   * The trigger (the site is down) is re-read before every step. `stop-and-compensate` (default): when the
   * site is back, the runbook stops and compensates what it did; `continue`: it carries on.
   */
  onTriggerCleared: z.enum(['stop-and-compensate', 'continue']).default('stop-and-compensate'),
  /** `required` (default): a fence that fails stops the runbook; `best-effort`: it carries on. */
  fence: z.enum(['required', 'best-effort']).default('required'),
  /** Run the runbook only while these hold (e.g. the standby site is up); otherwise the decision is `blocked`. */
  when: guardsSchema.optional(),
  notify: notifyOptionSchema.optional(),
  /** While the site stays lost, a runbook that was blocked by a guard or did not get to run is reconsidered this often. Default 1 min. */
  retryInterval: intervalSchema.default(60_000),
  /** Failback is a runbook too; it runs by itself only when `automatic` is set. */
  failback: z.strictObject({ runbook: runbookSchema, automatic: z.boolean().default(false) }).optional(),
});

type Config = z.output<typeof disasterRecoveryConfig>;

const FAILED_OVER = 'failedOver';
/** The symptom of a site not up once in `failureDelay` since the loop started: said, never acted on. */
const NEVER_UP = 'never-up';
const DR_FAILED = 'runbookFailed';
const LAST_OUTCOME = 'lastOutcome';
/** Outcomes of the DR plan after which it is reconsidered while the site stays lost. */
const RECONSIDERED = new Set(['blocked', 'preempted', 'rate_limited', 'rejected_stale', 'superseded']);

/** The DR runbook's actions: each step re-checks the trigger (unless `continue`), fences as configured. */
function drActions(config: Config): Action[] {
  const trigger: Guard[] = [{ entity: config.site, sensor: 'service.up', op: 'eq', value: false }];
  return runbookActions(config.runbook).map((a) => ({
    ...a,
    ...(config.onTriggerCleared === 'stop-and-compensate' ? { trigger } : {}),
    ...(config.fence === 'best-effort' && a.effector === 'fence' ? { bestEffort: true } : {}),
  }));
}

function decide(symptom: { kind: string }, config: Config, context: Parameters<typeof disasterRecovery.plan>[1]): Plan | undefined {
  const { entity, state, tree } = context;
  const steps = (runbook: typeof config.runbook): string => runbook.map((s) => s.id).join(' -> ');
  if (symptom.kind === NEVER_UP) {
    return { actions: [], reason: `${config.site} has not been up since its loop started, ${config.failureDelay / 1000} s and more: the DR runbook runs only for a site that was up and lost quorum (one still starting is not failing); if it is lost, run the runbook (${steps(config.runbook)}) by hand` };
  }
  if (symptom.kind === 'down') {
    if (state.get<boolean>(FAILED_OVER)) return undefined;
    const lost = `${config.site} has lost quorum for ${config.failureDelay / 1000} s`;
    if (tree.find(config.site)?.sensor<boolean>('service.up').value === true) return { actions: [], reason: `${lost}, but it is up again: not running the DR runbook` };
    if (state.get<boolean>(DR_FAILED)) return { actions: [], nonAction: 'refused', reason: `${config.site} lost quorum again, but the DR runbook already failed once: not running it again (a person must decide)` };
    const guard = firstFailingGuard(tree, toGuards(config.when));
    if (guard) return { actions: [], nonAction: 'blocked', reason: `${lost}, but the guard ${guard.description} does not hold: not running the DR runbook` };
    const actions = drActions(config);
    const unsafe = unfencedPromotions(tree, actions);
    if (unsafe.length > 0) return { actions: [], nonAction: 'refused', reason: `${lost}, but the DR runbook would make a second primary: ${unsafe.join('; ')}` };
    return { actions, reason: `${lost}: run the DR runbook (${steps(config.runbook)})`, scope: entity.id };
  }
  if (!state.get<boolean>(FAILED_OVER)) return undefined;
  if (!config.failback) return { actions: [], reason: `${config.site} is back; no failback runbook is declared: stay failed over` };
  if (!config.failback.automatic) return { actions: [], reason: `${config.site} is back; failback is manual: run the failback runbook (${steps(config.failback.runbook)}) when ready` };
  return { actions: runbookActions(config.failback.runbook), reason: `${config.site} is back for ${config.recoveryDelay / 1000} s: fail back (${steps(config.failback.runbook)})`, scope: entity.id };
}

/**
 * Disaster recovery at the application level: when a site loses quorum for `failureDelay`, run the
 * runbook declared in the blueprint, once, holding the whole application while it runs (other policies'
 * plans are preempted). Steps run in dependency order, each with its timeout and check; the trigger is
 * re-read before each step (the site came back: stop and compensate, unless `continue`). When a step
 * fails, it and the completed steps are compensated in reverse. A promotion must come after a fence of
 * the group's primary, or the runbook is refused. Floors a runbook sets (`setFloor`) stay until failback
 * releases them. When the site is back, failback runs only if configured as automatic.
 */
export const disasterRecovery = definePolicy({
  name: 'disaster-recovery',
  description: 'runs a DR runbook when a site loses quorum; failback by runbook',
  config: disasterRecoveryConfig,
  requiresEffectors: (config) => [...runbookEffectors(config.runbook, ['runbook']), ...(config.failback ? runbookEffectors(config.failback.runbook, ['failback', 'runbook']) : []), ...notifyEffector(config.notify)],
  requiresEntities: (config) => [
    { entity: config.site, configPath: ['site'] },
    ...runbookEntities(config.runbook, ['runbook']),
    ...(config.failback ? runbookEntities(config.failback.runbook, ['failback', 'runbook']) : []),
    ...guardRefs(config.when, ['when']),
    ...(config.notify ? [{ entity: config.notify.entity, configPath: ['notify', 'entity'] }] : []),
  ],
  monitor: ({ tree, config }) => tree.get(config.site).sensor<boolean>('service.up').observations$,
  analyze: (source, { config, scheduler, state }) =>
    merge(
      source.pipe(
        failureDetector({ downAfterMs: config.failureDelay, upAfterMs: config.recoveryDelay }, scheduler),
        // a decision not to act while the site is lost is not the end: read the guards again, retry a preempted run
        switchMap((s) =>
          s.kind !== 'down'
            ? of(s)
            : concat(of(s), interval(config.retryInterval, scheduler).pipe(filter(() => RECONSIDERED.has(state.get<string>(LAST_OUTCOME) ?? '')), map(() => ({ ...s, detail: { reconsidered: true } })), switchMap((again) => (state.get<boolean>(FAILED_OVER) ? EMPTY : of(again))))),
        ),
      ),
      // a site never up (lost before it booted, or homeostat started during an outage) is not acted on, but said
      // once, so that the silence of DR is explained
      source.pipe(
        takeWhile((o) => !o.value),
        failureDetector({ downAfterMs: config.failureDelay, onlyIfPreviouslyUp: false }, scheduler),
        take(1),
        map((s) => ({ kind: NEVER_UP, inputs: s.inputs })),
      ),
    ),
  plan: (symptom, context) => {
    const plan = decide(symptom, context.config, context);
    return plan && notifyInstead(plan, context.config.notify, { entity: context.entity.id, policy: context.policyId });
  },
  observe: (decision, { state }) => {
    if (decision.symptom.kind === 'down') state.set(LAST_OUTCOME, decision.outcome);
    if (decision.actions.length === 0 || decision.actions.every((a) => a.effector === 'notify')) return;
    const failingBack = decision.symptom.kind === 'up';
    if (decision.outcome === 'applied') state.set(FAILED_OVER, !failingBack);
    // a runbook stopped because the site came back did not fail: it may run again if the site is lost again
    if (decision.outcome === 'failed' && !failingBack && decision.error?.code !== 'E_RUNBOOK_STOPPED') state.set(DR_FAILED, true);
  },
});
