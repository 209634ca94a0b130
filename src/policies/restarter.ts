import { EMPTY, Observable, concatWith, distinctUntilChanged, filter, map, of, switchMap, tap, timer, type SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { durationSchema, intervalSchema } from '../core/duration.js';
import { attemptsSchema } from '../core/limits.js';
import { isWindingDown } from '../core/lifecycle.js';
import { readStamps, restartDecision } from '../planners/restart-budget.js';
import type { Observation } from '../sensors/reading.js';
import { definePolicy, type Symptom } from './define-policy.js';

/** Config of the built-in restarter. */
export const restarterConfig = z.strictObject({
  /** How long the entity must stay down before it is declared failed. Default 0. */
  failureDelay: durationSchema.default(0),
  /** While it stays down, ask again after this long, doubling each time (restart backoff). Default 30 s. */
  recheckInterval: intervalSchema.default(30_000),
  /** Upper bound of the backoff between restarts. Default 5 min. */
  maxBackoff: intervalSchema.default(300_000),
  /** Give up after this many restarts within `window`. Default 3. */
  maxRestarts: attemptsSchema.default(3),
  /** Default 3 min (Brooklyn's recurring-failure window). */
  window: intervalSchema.default(180_000),
  restartEffector: z.string().min(1).default('restart'),
});

const RESTARTS = 'restarts';
const GAVE_UP = 'gaveUp';

/**
 * Restarts an entity whose `service.up` went false after it had been up. After `maxRestarts` within the
 * window it gives up: the entity is marked on-fire and an escalation is published for its parent. Never acts
 * on an entity that is stopping or stopped.
 */
export const restarter = definePolicy({
  name: 'restarter',
  description: 'restarts a failed entity; escalates to the parent when failures recur',
  config: restarterConfig,
  requiresEffectors: (config) => [{ effector: config.restartEffector, configPath: ['restartEffector'] }],
  monitor: ({ entity }) => entity.sensor<boolean>('service.up').observations$,
  analyze: (source, { config, scheduler, entity, state }) => {
    let seenUp = false;
    return source.pipe(
      filter((o: Observation<boolean>) => (seenUp ||= o.value)),
      // an entity that is up again (repaired by hand or by its parent) is managed again
      tap((o) => o.value && state.get(GAVE_UP) && state.set(GAVE_UP, undefined)),
      distinctUntilChanged((a, b) => a.value === b.value),
      switchMap((o) =>
        o.value
          ? EMPTY
          : // with no failure delay, act on the reading itself (a zero timer would still wait a turn)
            (config.failureDelay > 0 ? timer(config.failureDelay, scheduler) : of(0)).pipe(
              concatWith(backoff(config.recheckInterval, config.maxBackoff, scheduler)),
              filter(() => !isWindingDown(entity.state)),
              map((): Symptom => ({ kind: 'down', inputs: [o] })),
            ),
      ),
    );
  },
  plan: (symptom, { entity, config, scheduler, state, policyId }) => {
    if (isWindingDown(entity.state) || state.get<boolean>(GAVE_UP)) return undefined;
    const { restart, recent } = restartDecision(readStamps(state.get(RESTARTS)), scheduler.now(), config.maxRestarts, config.window);
    if (restart) {
      return {
        actions: [{ entity: entity.id, effector: config.restartEffector }],
        reason: `${entity.id} is down; restart ${recent.length + 1} of at most ${config.maxRestarts} within ${config.window / 1000} s`,
      };
    }
    return {
      actions: [{ entity: entity.id, effector: 'escalate', params: { reason: `${recent.length} restarts within ${config.window / 1000} s did not keep it up`, by: policyId } }],
      reason: `${entity.id} is down again after ${recent.length} restarts within ${config.window / 1000} s: giving up and escalating to ${entity.parent?.id ?? 'nobody'}`,
    };
  },
  observe: (decision, { state }) => {
    if (decision.outcome !== 'applied' && decision.outcome !== 'failed') return;
    if (decision.actions[0]?.effector === 'escalate') state.set(GAVE_UP, true);
    else state.set(RESTARTS, [...readStamps(state.get(RESTARTS)), decision.at]);
  },
});

/** Ticks after `first`, then after twice that, and so on up to `max` between ticks: a restart backoff. */
function backoff(first: number, max: number, scheduler: SchedulerLike): Observable<number> {
  return new Observable<number>((subscriber) => {
    let delay = first;
    let n = 0;
    const tick = (): void => {
      subscriber.next(n++);
      delay = Math.min(max, delay * 2);
      subscription = scheduler.schedule(tick, delay);
    };
    let subscription = scheduler.schedule(tick, delay);
    return () => subscription.unsubscribe();
  });
}
