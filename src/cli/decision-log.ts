import type { Logger } from 'pino';
import type { Decision } from '../knowledge/decision.js';
import { failureOf } from './log-format.js';

/** Logs one decision as one structured line, with a message a person can read at a glance. */
export function logDecision(logger: Logger, decision: Decision): void {
  const actions = decision.actions.map((a) => `${a.effector}(${a.entity}${a.params === undefined ? '' : ` ${JSON.stringify(a.params)}`})`).join(', ');
  const level = decision.outcome === 'failed' ? 'warn' : 'info';
  logger[level](
    {
      decision: decision.id,
      policy: decision.policy,
      entity: decision.entity,
      outcome: decision.outcome,
      symptom: decision.symptom.kind,
      reason: decision.reason,
      actions: decision.actions,
      inputs: decision.inputs.map((i) => ({ entity: i.entity, sensor: i.sensor, value: i.value, at: i.at })),
      ...(decision.detail === undefined ? {} : { detail: decision.detail }),
      durations: decision.durations,
    },
    `${decision.policy} ${decision.outcome}: ${actions === '' ? decision.reason : `${actions} because ${decision.reason}`}${failureOf(decision.outcome, decision.detail)}`,
  );
}
