import { z } from 'zod';
import { failureDetector } from '../analyzers/failure-detector.js';
import { durationSchema } from '../core/duration.js';
import { runbookActions, runbookEffectors, runbookEntities, runbookSchema, runbookSensors } from '../planners/runbook-schema.js';
import { definePolicy } from './define-policy.js';

/** Config of the built-in disaster-recovery policy. */
export const disasterRecoveryConfig = z.strictObject({
  /** The site or region watched (its `service.up` follows its quorum rule). */
  site: z.string().min(1),
  /** How long it must have lost quorum before the runbook runs. Default 30 s. */
  failureDelay: durationSchema.default(30_000),
  /** How long it must be back before it counts as recovered. Default 60 s. */
  recoveryDelay: durationSchema.default(60_000),
  runbook: runbookSchema,
  /** Failback is a runbook too; it runs by itself only when `automatic` is set. */
  failback: z.strictObject({ runbook: runbookSchema, automatic: z.boolean().default(false) }).optional(),
});

const FAILED_OVER = 'failedOver';
const DR_FAILED = 'runbookFailed';

/**
 * Disaster recovery at the application level: when a site loses quorum for `failureDelay`, run the
 * runbook declared in the blueprint, once, holding the whole application while it runs (other policies'
 * plans are preempted). Steps run in dependency order, each with its timeout and check; when one fails,
 * the completed steps are compensated in reverse. When the site is back, failback runs only if configured
 * as automatic; otherwise the decision says a person must run it.
 */
export const disasterRecovery = definePolicy({
  name: 'disaster-recovery',
  description: 'runs a DR runbook when a site loses quorum; failback by runbook',
  config: disasterRecoveryConfig,
  requires: (config) => [...runbookSensors(config.runbook, ['runbook']), ...(config.failback ? runbookSensors(config.failback.runbook, ['failback', 'runbook']) : [])],
  requiresEffectors: (config) => [...runbookEffectors(config.runbook, ['runbook']), ...(config.failback ? runbookEffectors(config.failback.runbook, ['failback', 'runbook']) : [])],
  requiresEntities: (config) => [
    { entity: config.site, configPath: ['site'] },
    ...runbookEntities(config.runbook, ['runbook']),
    ...(config.failback ? runbookEntities(config.failback.runbook, ['failback', 'runbook']) : []),
  ],
  monitor: ({ tree, config }) => tree.get(config.site).sensor<boolean>('service.up').observations$,
  analyze: (source, { config, scheduler }) => source.pipe(failureDetector({ downAfterMs: config.failureDelay, upAfterMs: config.recoveryDelay }, scheduler)),
  plan: (symptom, { entity, config, state }) => {
    const steps = (runbook: typeof config.runbook): string => runbook.map((s) => s.id).join(' -> ');
    if (symptom.kind === 'down') {
      if (state.get<boolean>(FAILED_OVER)) return undefined;
      if (state.get<boolean>(DR_FAILED)) return { actions: [], reason: `${config.site} lost quorum again, but the DR runbook already failed once: not running it again (a person must decide)` };
      return {
        actions: runbookActions(config.runbook),
        reason: `${config.site} has lost quorum for ${config.failureDelay / 1000} s: run the DR runbook (${steps(config.runbook)})`,
        scope: entity.id,
      };
    }
    if (!state.get<boolean>(FAILED_OVER)) return undefined;
    if (!config.failback) return { actions: [], reason: `${config.site} is back; no failback runbook is declared: stay failed over` };
    if (!config.failback.automatic) return { actions: [], reason: `${config.site} is back; failback is manual: run the failback runbook (${steps(config.failback.runbook)}) when ready` };
    return { actions: runbookActions(config.failback.runbook), reason: `${config.site} is back for ${config.recoveryDelay / 1000} s: fail back (${steps(config.failback.runbook)})`, scope: entity.id };
  },
  observe: (decision, { state }) => {
    if (decision.actions.length === 0) return;
    const failingBack = decision.symptom.kind === 'up';
    if (decision.outcome === 'applied') state.set(FAILED_OVER, !failingBack);
    if (decision.outcome === 'failed' && !failingBack) state.set(DR_FAILED, true);
  },
});
