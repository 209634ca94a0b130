import { EMPTY, Observable, concatWith, distinctUntilChanged, filter, map, merge, of, share, switchMap, tap, timer, type SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { staleness } from '../analyzers/stale.js';
import { durationSchema, intervalSchema } from '../core/duration.js';
import { attemptsSchema, MAX_ATTEMPTS } from '../core/limits.js';
import { isWindingDown, type ServiceState } from '../core/lifecycle.js';
import type { Entity } from '../core/entity.js';
import { backoffSpan, readStamps, restartDecision, withoutStamp } from '../planners/restart-budget.js';
import type { Observation } from '../sensors/reading.js';
import { definePolicy, type Symptom } from './define-policy.js';

/** Config of the built-in restarter. */
export const restarterConfig = z
  .strictObject({
    /** How long the entity must stay down before it is declared failed. Default 0. */
    failureDelay: durationSchema.default(0),
    /** While it stays down, ask again after this long, doubling each time (restart backoff). Default 30 s. */
    recheckInterval: intervalSchema.default(30_000),
    /** Upper bound of the backoff between restarts. Default 2 min. */
    maxBackoff: intervalSchema.default(120_000),
    /** Give up after this many restarts within `window`. Default 3. */
    maxRestarts: attemptsSchema.default(3),
    /**
     * Window in which `maxRestarts` restarts mean "give up". Default 5 min: the default backoff (30 s, 60 s,
     * 120 s) fits in it, so a member that never comes back is escalated instead of restarted forever.
     */
    window: intervalSchema.default(300_000),
    /** No `service.up` reading for this long is silence (its own symptom); default the sensor's staleness bound. */
    staleAfter: intervalSchema.optional(),
    restartEffector: z.string().min(1).default('restart'),
  })
  .superRefine((c, ctx) => {
    // the restarts and the check that gives up must all fall inside one window, or the restarter never escalates
    // (a count past its own bound is reported by its field: one problem, not two)
    if (c.maxRestarts > MAX_ATTEMPTS) return;
    const span = backoffSpan(c.recheckInterval, c.maxBackoff, c.maxRestarts);
    if (span >= c.window) {
      ctx.addIssue({
        code: 'custom',
        path: ['window'],
        message: `window (${c.window / 1000} s) must be longer than the backoff over ${c.maxRestarts} restarts (${span / 1000} s with recheckInterval ${c.recheckInterval / 1000} s, maxBackoff ${c.maxBackoff / 1000} s), or the restarter never gives up and never escalates`,
      });
    }
  });

const RESTARTS = 'restarts';
const GAVE_UP = 'gaveUp';
const IN_FLIGHT = 'inFlight';
/** Restarts since the entity last read up: a member that never comes back is given up on after maxRestarts. */
const EPISODE = 'episodeRestarts';

/** States in which a restart would be wrong: going away, gone, or still booting (down is expected then). */
function leaveAlone(state: ServiceState | undefined): boolean {
  return isWindingDown(state) || state === 'starting';
}

/**
 * Restarts an entity whose `service.up` went false after it had been up, with a doubling backoff. After
 * `maxRestarts` within the window, or `maxRestarts` with no up reading between them, it gives up: the entity
 * is marked on-fire and an escalation is published for its parent. Never acts on an entity that is starting, stopping or stopped. Silence of `service.up`
 * (no reading for `staleAfter`) is its own symptom: a decision not to act (`refused`), never a failure.
 */
export const restarter = definePolicy({
  name: 'restarter',
  description: 'restarts a failed entity; escalates to the parent when failures recur',
  config: restarterConfig,
  requiresEffectors: (config) => [{ effector: config.restartEffector, configPath: ['restartEffector'] }],
  monitor: ({ entity }) => entity.sensor<boolean>('service.up').observations$,
  analyze: (source, { config, scheduler, entity, state }) => {
    const bound = config.staleAfter ?? entity.sensor('service.up').definition.staleAfterMs;
    let seenUp = false;
    let lastAt = -Infinity;
    const silent = (): boolean => bound !== undefined && scheduler.now() - lastAt > bound;
    const shared = source.pipe(share());
    const down$ = shared.pipe(
      tap((o: Observation<boolean>) => (lastAt = o.at)),
      filter((o: Observation<boolean>) => (seenUp ||= o.value)),
      // an entity that is up again (repaired by hand or by its parent) is managed again
      tap((o) => {
        if (!o.value) return;
        if (state.get(GAVE_UP)) state.set(GAVE_UP, undefined);
        // up again: the restarts of the last down episode worked, and the next failure starts a new count
        if (state.get(EPISODE) !== undefined) state.set(EPISODE, undefined);
      }),
      distinctUntilChanged((a, b) => a.value === b.value),
      switchMap((o) =>
        o.value
          ? EMPTY
          : // with no failure delay, act on the reading itself (a zero timer would still wait a turn)
            (config.failureDelay > 0 ? timer(config.failureDelay, scheduler) : of(0)).pipe(
              concatWith(backoff(config.recheckInterval, config.maxBackoff, scheduler)),
              map((_, tick) => tick),
              // a down reading that went silent is no longer evidence of anything: the silence symptom speaks
              filter(() => !leaveAlone(entity.state) && !silent()),
              // the input is the latest reading, not the first of the episode: a health feed repeats its down
              // readings, and a retry that named the first one was refused as stale once the episode outlasted
              // the sensor's staleness bound (every restart after the first, with a feed's bound of 3 polls)
              map((tick): Symptom => ({ kind: 'down', inputs: [latestDown(entity, o)], detail: { plannedAt: scheduler.now(), tick } })),
            ),
      ),
    );
    if (bound === undefined) return down$;
    const silence$ = shared.pipe(
      staleness<boolean>({ afterMs: bound }, scheduler),
      filter((s) => s.kind === 'stale' && seenUp),
      map((s): Symptom => ({ kind: 'silent', inputs: [], detail: { silentForMs: bound, lastReadingAt: s.inputs[0]?.at ?? null, lastValue: s.inputs[0]?.value ?? null } })),
    );
    return merge(down$, silence$);
  },
  plan: (symptom, { entity, config, scheduler, state, policyId }) => {
    if (symptom.kind === 'silent') {
      const last = symptom.detail?.['lastReadingAt'];
      return {
        actions: [],
        nonAction: 'refused',
        reason: `no service.up reading from ${entity.id} for ${(symptom.detail?.['silentForMs'] as number) / 1000} s${typeof last === 'number' ? ` (last at ${last / 1000} s)` : ''}: its health is unknown, so it is neither restarted nor counted up`,
      };
    }
    if (leaveAlone(entity.state) || state.get<boolean>(GAVE_UP)) return undefined;
    const now = scheduler.now();
    // one restart at a time: a backoff tick while the last planned restart has no decision yet waits for the
    // next tick (a fresh failure still plans, counted, and runs once the one in flight is done)
    const inFlight = state.get<number>(IN_FLIGHT);
    if (symptom.detail?.['tick'] !== 0 && typeof inFlight === 'number' && now - inFlight < config.window) return undefined;
    const { restart, recent } = restartDecision(readStamps(state.get(RESTARTS)), now, config.maxRestarts, config.window);
    // restarts in this down episode (no up reading since the first): when restarts take longer than the backoff
    // (a slow boot skips ticks) they can fall further apart than the window, and only this count still gives up
    const episode = readStamps(state.get(EPISODE));
    if (restart && episode.length < config.maxRestarts) {
      // counted now, not when recorded: a plan made while this restart runs must already see it. Stamped with
      // the symptom's time, which `observe` reads back from the decision to clear and uncount it: on a real
      // clock the plan can run a millisecond later than the symptom was made, and a stamp of the plan's own
      // time then stayed in flight for the whole window (no restart after it, and no decision saying so)
      const plannedAt = symptom.detail?.['plannedAt'];
      const stamp = typeof plannedAt === 'number' ? plannedAt : now;
      state.set(RESTARTS, [...recent, stamp]);
      state.set(EPISODE, [...episode, stamp]);
      state.set(IN_FLIGHT, stamp);
      return {
        actions: [{ entity: entity.id, effector: config.restartEffector }],
        reason: `${entity.id} is down; restart ${Math.max(recent.length, episode.length) + 1} of at most ${config.maxRestarts} within ${config.window / 1000} s or until it is up again`,
      };
    }
    state.set(GAVE_UP, true);
    const why = restart
      ? `${episode.length} restarts from ${(episode[0] ?? now) / 1000} s on, with no up reading between them, did not bring it up`
      : `${recent.length} restarts within ${config.window / 1000} s did not keep it up`;
    return {
      actions: [{ entity: entity.id, effector: 'escalate', params: { reason: why, by: policyId } }],
      reason: `${entity.id} is down: ${why}; giving up and escalating to ${entity.parent?.id ?? 'nobody'}`,
    };
  },
  observe: (decision, { state }) => {
    if (decision.actions.length === 0) return;
    const ran = decision.outcome === 'applied' || decision.outcome === 'failed';
    if (decision.actions[0]?.effector === 'escalate') {
      if (!ran) state.set(GAVE_UP, undefined); // not escalated after all: the next tick tries again
      return;
    }
    const plannedAt = (decision.symptom.detail as { plannedAt?: unknown } | undefined)?.plannedAt;
    if (state.get(IN_FLIGHT) === plannedAt) state.set(IN_FLIGHT, undefined);
    // a planned restart that did not run (cooldown, preempted, superseded, dry run...) is not counted
    if (!ran) {
      state.set(RESTARTS, withoutStamp(readStamps(state.get(RESTARTS)), plannedAt));
      state.set(EPISODE, withoutStamp(readStamps(state.get(EPISODE)), plannedAt));
    }
  },
});

/** The sensor's latest reading while it still says down (repeats of a down reading keep coming), else `first`. */
function latestDown(entity: Entity, first: Observation<boolean>): Observation<boolean> {
  const latest = entity.sensor<boolean>('service.up').current;
  return latest !== undefined && latest.value === false && latest.at >= first.at ? latest : first;
}

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
