import { Subscription, type SchedulerLike } from 'rxjs';
import { HomeostatError, describeError } from '../../core/errors.js';
import type { FeedBoard, FeedHealth } from './feed-health.js';
import type { FeedReader, FeedResult } from './feed-kind.js';

/** A read that took longer than the feed's timeout (it is aborted; no reading is published). */
export class FeedTimeoutError extends HomeostatError {
  constructor(timeoutMs: number) {
    super('E_FEED_TIMEOUT', `no answer within ${timeoutMs} ms`, { retryable: true });
  }
}

/** Options of `runFeed` (times in ms). */
export interface RunFeedOptions {
  readonly read: FeedReader;
  readonly sensor: string;
  readonly everyMs: number;
  readonly timeoutMs: number;
  /** Each wait is lengthened by up to this fraction of itself (0..1), so many feeds do not poll in step. */
  readonly jitter: number;
  /** While failing, the wait doubles per consecutive failure up to this. */
  readonly maxBackoffMs: number;
  readonly health: FeedHealth;
  readonly board: FeedBoard;
  /** Random source in [0, 1) for jitter. */
  readonly random: () => number;
}

/**
 * Runs a feed on the scheduler: the first read after a jittered fraction of `every`, then one read per
 * `every` (plus jitter), doubling the wait while reads fail. Each read is aborted after its timeout. Values
 * go to their sensors, which validate them; missing values and rejected ones are counted, never replaced
 * by a default. Unsubscribe to stop (a read in flight is aborted).
 */
export function runFeed(options: RunFeedOptions, scheduler: SchedulerLike): Subscription {
  const { health, board } = options;
  const subscription = new Subscription();
  let inFlight: AbortController | undefined;
  const schedule = (delay: number): void => {
    health.nextPollAt = scheduler.now() + delay;
    subscription.add(scheduler.schedule(() => void poll(), delay));
  };
  const poll = async (): Promise<void> => {
    const controller = (inFlight = new AbortController());
    const started = scheduler.now();
    const timer = scheduler.schedule(() => controller.abort(new FeedTimeoutError(options.timeoutMs)), options.timeoutMs);
    let result: FeedResult | undefined;
    let error: unknown;
    try {
      result = await Promise.race([options.read(controller.signal), aborted(controller.signal)]);
    } catch (caught) {
      error = controller.signal.aborted ? controller.signal.reason : caught;
    } finally {
      timer.unsubscribe();
      inFlight = undefined;
    }
    if (subscription.closed) return;
    health.polls += 1;
    const durationMs = scheduler.now() - started;
    if (result) {
      health.consecutiveFailures = 0;
      health.lastSuccessAt = scheduler.now();
      board.emit({ type: 'poll', kind: health.kind, sensor: health.sensor, entity: health.entity, result: 'ok', durationMs });
      apply(result, options);
    } else {
      health.consecutiveFailures += 1;
      health.failures += 1;
      health.lastFailureAt = scheduler.now();
      health.lastError = describeError(error);
      const timeout = error instanceof FeedTimeoutError;
      board.emit({ type: 'poll', kind: health.kind, sensor: health.sensor, entity: health.entity, result: timeout ? 'timeout' : 'error', error: health.lastError, durationMs });
    }
    schedule(nextDelay(options, health.consecutiveFailures));
  };
  subscription.add(() => inFlight?.abort(new Error('feed stopped')));
  schedule(Math.floor(options.everyMs * options.jitter * options.random()));
  return subscription;
}

/** The wait before the next read: `every`, doubled per consecutive failure up to maxBackoff, plus jitter. */
export function nextDelay(options: Pick<RunFeedOptions, 'everyMs' | 'maxBackoffMs' | 'jitter' | 'random'>, failures: number): number {
  const base = failures === 0 ? options.everyMs : Math.min(options.maxBackoffMs, options.everyMs * 2 ** Math.min(failures, 30));
  return Math.floor(base * (1 + options.jitter * options.random()));
}

function apply(result: FeedResult, options: RunFeedOptions): void {
  const { health, board } = options;
  let published = 0;
  let rejected = 0;
  for (const sample of result.samples) {
    const ok = sample.entity.hasSensor(options.sensor) && sample.entity.sensor(options.sensor).publish(sample.value);
    if (ok) published += 1;
    else rejected += 1;
  }
  health.rejected += rejected;
  health.missing += result.missing.length;
  const emit = (r: 'published' | 'missing' | 'rejected', count: number): void => {
    if (count > 0) board.emit({ type: 'reading', kind: health.kind, sensor: health.sensor, result: r, count });
  };
  emit('published', published);
  emit('rejected', rejected);
  emit('missing', result.missing.length);
}

/** Rejects when the signal aborts; a rejection after the race is over is handled here, not left dangling. */
function aborted(signal: AbortSignal): Promise<never> {
  const promise = new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  promise.catch(() => undefined);
  return promise;
}
