import { Subject, type Observable } from 'rxjs';

/** How one poll ended: read fine, failed (error or timeout). */
export type PollResult = 'ok' | 'error' | 'timeout';

/** Per-reading outcome of a poll: published, missing (no value in the result), rejected by the sensor. */
export type ReadingResult = 'published' | 'missing' | 'rejected';

/** One event of a feed, for metrics and logs. Labels are bounded: kind and sensor name, never entity ids. */
export type FeedEvent =
  | {
      readonly type: 'poll';
      readonly kind: string;
      readonly sensor: string;
      readonly entity: string;
      readonly result: PollResult;
      readonly error?: string;
      readonly durationMs: number;
      /** On a poll that read fine but found values missing: how many, and why the first was. */
      readonly missing?: { readonly count: number; readonly reason: string };
    }
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
  /** Why the latest value found missing was (no series matched, a pointer led nowhere), and when; null before any. */
  readonly lastMissing: { readonly at: number; readonly reason: string } | null;
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
  lastMissing: { readonly at: number; readonly reason: string } | null = null;
  rejected = 0;
  nextPollAt: number | null = null;

  constructor(readonly id: string, readonly kind: string, readonly entity: string, readonly sensor: string) {}

  /** A copy for the API. */
  snapshot(): FeedHealthSnapshot {
    const { id, kind, entity, sensor, lastSuccessAt, lastFailureAt, lastError, consecutiveFailures, polls, failures, missing, lastMissing, rejected, nextPollAt } = this;
    return { id, kind, entity, sensor, lastSuccessAt, lastFailureAt, lastError, consecutiveFailures, polls, failures, missing, lastMissing, rejected, nextPollAt };
  }
}

/**
 * Every running feed of a deployment with its health, and a stream of poll and reading events. Feeds add
 * themselves when they start and leave when their entity leaves the tree.
 */
export class FeedBoard {
  private readonly feeds = new Map<string, FeedHealth>();
  /** The feeds of each entity: the API asks for one entity's feeds, and pages them entity by entity. */
  private readonly byEntity = new Map<string, Set<FeedHealth>>();
  private readonly eventSubject = new Subject<FeedEvent>();

  /** Poll and reading events of every feed. */
  get events$(): Observable<FeedEvent> {
    return this.eventSubject.asObservable();
  }

  /** Registers a feed's health record; returns a function that removes it. */
  add(health: FeedHealth): () => void {
    const replaced = this.feeds.get(health.id);
    if (replaced) this.forget(replaced);
    this.feeds.set(health.id, health);
    const own = this.byEntity.get(health.entity);
    if (own) own.add(health);
    else this.byEntity.set(health.entity, new Set([health]));
    return () => {
      if (this.feeds.get(health.id) !== health) return;
      this.feeds.delete(health.id);
      this.forget(health);
    };
  }

  private forget(health: FeedHealth): void {
    const own = this.byEntity.get(health.entity);
    own?.delete(health);
    if (own?.size === 0) this.byEntity.delete(health.entity);
  }

  /** @internal used by running feeds */
  emit(event: FeedEvent): void {
    this.eventSubject.next(event);
  }

  /** Health of every feed, or of the feeds of one entity (found through an index, not a scan of every feed). */
  health(entity?: string): FeedHealthSnapshot[] {
    if (entity === undefined) return [...this.feeds.values()].map((f) => f.snapshot());
    return [...(this.byEntity.get(entity) ?? [])].map((f) => f.snapshot());
  }

  /** The live records (for metrics collection without copies). */
  records(): Iterable<FeedHealth> {
    return this.feeds.values();
  }
}
