import { Subscription, type SchedulerLike } from 'rxjs';
import { cutText } from '../../core/cut-text.js';
import { HomeostatError, describeError } from '../../core/errors.js';
import type { FeedBoard, FeedHealth } from './feed-health.js';
import type { FeedReader, FeedResult } from './feed-kind.js';

/** A read that took longer than the feed's timeout (it is aborted; no reading is published). */
export class FeedTimeoutError extends HomeostatError {
  constructor(timeoutMs: number) {
    super('E_FEED_TIMEOUT', `no answer within ${timeoutMs} ms`, { retryable: true });
  }
}

/**
 * A poll not made because the read a timeout gave up on has still not ended: it ignores its abort (a file that
 * blocks on open, such as a FIFO nobody writes, or a hung network mount). No read starts beside it.
 */
export class FeedStuckError extends HomeostatError {
  constructor(stuckForMs: number) {
    super('E_FEED_STUCK', `the read that timed out ${Math.round(stuckForMs)} ms ago has still not ended (it ignores its abort: a file that blocks on open, a hung mount?); no new read starts until it does`, { retryable: true });
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
  // a read the timeout gave up on that has not ended yet: it ignored its abort (a file that blocks on open, a
  // hung mount hold a thread of Node's pool until the kernel lets go), and a new read beside it would hold one
  // more at each poll, until none is left for any other file, log write or DNS lookup of the process
  let stuckSince: number | undefined;
  const schedule = (delay: number): void => {
    health.nextPollAt = scheduler.now() + delay;
    subscription.add(scheduler.schedule(() => void poll(), delay));
  };
  const poll = async (): Promise<void> => {
    const started = scheduler.now();
    if (stuckSince !== undefined) return ended(started, undefined, new FeedStuckError(started - stuckSince));
    const controller = (inFlight = new AbortController());
    const timer = scheduler.schedule(() => controller.abort(new FeedTimeoutError(options.timeoutMs)), options.timeoutMs);
    let result: FeedResult | undefined;
    let error: unknown;
    let read: Promise<FeedResult> | undefined;
    try {
      read = options.read(controller.signal);
      result = await Promise.race([read, aborted(controller.signal)]);
    } catch (caught) {
      error = controller.signal.aborted ? controller.signal.reason : caught;
    } finally {
      timer.unsubscribe();
      inFlight = undefined;
    }
    if (read !== undefined && result === undefined) holdWhilePending(read, started);
    ended(started, result, error);
  };
  /**
   * Keeps new reads from starting until `read`, given up on by its poll, has ended: one that has already ended
   * settles within a microtask, one that heeds its abort soon after, long before the next poll is due.
   */
  const holdWhilePending = (read: Promise<FeedResult>, started: number): void => {
    stuckSince = started;
    const settle = (): void => {
      if (stuckSince === started) stuckSince = undefined;
    };
    read.then(settle, settle);
  };
  /** Records how a poll ended, publishes what it read, and schedules the next one. */
  const ended = (started: number, result: FeedResult | undefined, error: unknown): void => {
    if (subscription.closed) return;
    health.polls += 1;
    const durationMs = scheduler.now() - started;
    if (result) {
      health.consecutiveFailures = 0;
      health.lastSuccessAt = scheduler.now();
      const missing = result.missing[0] === undefined ? undefined : { count: result.missing.length, reason: cutText(result.missing[0].reason, MAX_FEED_ERROR_CHARS) };
      board.emit({ type: 'poll', kind: health.kind, sensor: health.sensor, entity: health.entity, result: 'ok', durationMs, ...(missing ? { missing } : {}) });
      if (missing) health.lastMissing = { at: scheduler.now(), reason: missing.reason };
      apply(result, options);
    } else {
      health.consecutiveFailures += 1;
      health.failures += 1;
      health.lastFailureAt = scheduler.now();
      health.lastError = cutText(describeError(error), MAX_FEED_ERROR_CHARS);
      const timeout = error instanceof FeedTimeoutError;
      board.emit({ type: 'poll', kind: health.kind, sensor: health.sensor, entity: health.entity, result: timeout ? 'timeout' : 'error', error: health.lastError, durationMs });
    }
    schedule(nextDelay(options, health.consecutiveFailures));
  };
  subscription.add(() => inFlight?.abort(new Error('feed stopped')));
  schedule(Math.floor(options.everyMs * options.jitter * options.random()));
  return subscription;
}

/** The most of a failed read's message kept (the API shows it, the log writes it): a 10 MB error answer was kept whole. */
export const MAX_FEED_ERROR_CHARS = 1_000;


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
