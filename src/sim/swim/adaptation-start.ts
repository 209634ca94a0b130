import { HomeostatError } from '../../core/errors.js';

/** The warm-up SWIM's runs leave out of their results (s): `warmup-period = 900s` in its swim.ini. */
export const SWIM_WARMUP_SECONDS = 900;

/**
 * When SWIM's adaptation manager first runs (s): half the warm-up rounded up to a whole number of periods,
 * plus one period (BaseAdaptationManager schedules its first evaluation there). 540 s for SWIM's 900 s
 * warm-up and 60 s period.
 * @throws RangeError for a period that is not a positive finite number of seconds
 */
export function swimAdaptationStart(periodSeconds: number, warmupSeconds = SWIM_WARMUP_SECONDS): number {
  if (!(periodSeconds > 0 && Number.isFinite(periodSeconds))) throw new RangeError(`period ${periodSeconds} s is not a positive number of seconds`);
  return Math.ceil((0.5 * warmupSeconds) / periodSeconds) * periodSeconds + periodSeconds;
}

/** Thrown by a simulated cluster's adapting effectors before its adaptation start (`adaptFrom`). */
export class NotAdaptingYetError extends HomeostatError {
  constructor(effector: string, adaptFromSeconds: number, nowSeconds: number) {
    super('E_NOT_ADAPTING_YET', `${effector} refused at ${nowSeconds} s: the simulated cluster takes adaptations from ${adaptFromSeconds} s (adaptFrom; SWIM's managers start at half the warm-up)`);
  }
}
