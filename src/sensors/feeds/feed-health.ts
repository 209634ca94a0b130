import { Subject, type Observable } from 'rxjs';

/** How one poll ended: read fine, failed (error or timeout). */
export type PollResult = 'ok' | 'error' | 'timeout';

/** Per-reading outcome of a poll: published, missing (no value in the result), rejected by the sensor. */
export type ReadingResult = 'published' | 'missing' | 'rejected';

/** One event of a feed, for metrics and logs. Labels are bounded: kind and sensor name, never entity ids. */
export type FeedEvent =
  | { readonly type: 'poll'; readonly kind: string; readonly sensor: string; readonly entity: string; readonly result: PollResult; readonly error?: string; readonly durationMs: number }
  | { readonly type: 'reading'; readonly kind: string; readonly sensor: string; readonly result: ReadingResult; readonly count: number };

/** A feed's own health: visible in the API, counted in metrics. Times are scheduler ms. */
export interface FeedHealthSnapshot {
  readonly id: string;
  readonly kind: string;
  readonly entity: string;
  readonly sensor: string;
  readonly lastSuccessAt: number | null;
  readonly lastFailureAt: number | null;
  readonly lastError: string | null;
  readonly consecutiveFailures: number;
  readonly polls: number;
  readonly failures: number;
  readonly missing: number;
  readonly rejected: number;
  /** When the next poll is due (backoff included). */
  readonly nextPollAt: number | null;
}

/** The mutable health record a running feed updates. */
export class FeedHealth {
  lastSuccessAt: number | null = null;
  lastFailureAt: number | null = null;
  lastError: string | null = null;
  consecutiveFailures = 0;
  polls = 0;
  failures = 0;
  missing = 0;
  rejected = 0;
  nextPollAt: number | null = null;

  constructor(readonly id: string, readonly kind: string, readonly entity: string, readonly sensor: string) {}

  /** A copy for the API. */
  snapshot(): FeedHealthSnapshot {
    const { id, kind, entity, sensor, lastSuccessAt, lastFailureAt, lastError, consecutiveFailures, polls, failures, missing, rejected, nextPollAt } = this;
    return { id, kind, entity, sensor, lastSuccessAt, lastFailureAt, lastError, consecutiveFailures, polls, failures, missing, rejected, nextPollAt };
  }
}

/**
 * Every running feed of a deployment with its health, and a stream of poll and reading events. Feeds add
 * themselves when they start and leave when their entity leaves the tree.
 */
export class FeedBoard {
  private readonly feeds = new Map<string, FeedHealth>();
  private readonly eventSubject = new Subject<FeedEvent>();

  /** Poll and reading events of every feed. */
  get events$(): Observable<FeedEvent> {
    return this.eventSubject.asObservable();
  }

  /** Registers a feed's health record; returns a function that removes it. */
  add(health: FeedHealth): () => void {
    this.feeds.set(health.id, health);
    return () => {
      if (this.feeds.get(health.id) === health) this.feeds.delete(health.id);
    };
  }

  /** @internal used by running feeds */
  emit(event: FeedEvent): void {
    this.eventSubject.next(event);
  }

  /** Health of every feed, or of the feeds of one entity. */
  health(entity?: string): FeedHealthSnapshot[] {
    return [...this.feeds.values()].filter((f) => entity === undefined || f.entity === entity).map((f) => f.snapshot());
  }

  /** The live records (for metrics collection without copies). */
  records(): Iterable<FeedHealth> {
    return this.feeds.values();
  }
}
