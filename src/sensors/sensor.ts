import { Observable, Subject, type SchedulerLike } from 'rxjs';
import type { SensorDefinition } from './define-sensor.js';
import type { Observation, Reading, RejectedReading } from './reading.js';
import { readingValidator, type ReadingValidator } from './reading-validator.js';

/**
 * A live sensor on one entity: the current reading, a hot stream of new readings, staleness, and a count of
 * rejected readings. Values that fail the schema (NaN, a string for a number) are rejected and reported on
 * `rejections$`; they never reach subscribers and never replace the current value.
 */
export class Sensor<T> {
  readonly name: string;
  readonly entityId: string;
  readonly definition: SensorDefinition<T>;
  private readonly scheduler: SchedulerLike;
  private readonly validate: ReadingValidator<T>;
  private readonly readingsSubject = new Subject<Reading<T>>();
  private readonly rejectionsSubject: Subject<RejectedReading>;
  private latest: Reading<T> | undefined;
  private rejected = 0;

  /** @param rejections shared sink for rejected readings (the tree passes one for all sensors) */
  constructor(entityId: string, definition: SensorDefinition<T>, scheduler: SchedulerLike, rejections: Subject<RejectedReading>) {
    this.entityId = entityId;
    this.name = definition.name;
    this.definition = definition;
    this.scheduler = scheduler;
    this.validate = readingValidator(definition.schema);
    this.rejectionsSubject = rejections;
  }

  /** Hot stream of accepted readings (no replay; see `changes$` for current-then-updates). */
  get readings$(): Observable<Reading<T>> {
    return this.readingsSubject.asObservable();
  }

  /** The current reading (if any) followed by every new one. */
  get changes$(): Observable<Reading<T>> {
    return new Observable<Reading<T>>((subscriber) => {
      if (this.latest) subscriber.next(this.latest);
      return this.readingsSubject.subscribe(subscriber);
    });
  }

  /** Readings tagged with entity and sensor name, current first: what analyzers consume. */
  get observations$(): Observable<Observation<T>> {
    return new Observable<Observation<T>>((subscriber) => {
      const tag = (r: Reading<T>): Observation<T> => ({ entity: this.entityId, sensor: this.name, value: r.value, at: r.at });
      if (this.latest) subscriber.next(tag(this.latest));
      return this.readingsSubject.subscribe({ next: (r) => subscriber.next(tag(r)), complete: () => subscriber.complete() });
    });
  }

  /** The latest accepted reading, stale or not. */
  get current(): Reading<T> | undefined {
    return this.latest;
  }

  /** The latest value when it is fresh; undefined when missing or stale (never a default such as zero). */
  get value(): T | undefined {
    return this.latest && !this.isStale() ? this.latest.value : undefined;
  }

  /** Number of readings rejected by the schema since creation. */
  get rejectedCount(): number {
    return this.rejected;
  }

  /** True when there is no reading or the latest is older than the staleness bound. */
  isStale(now: number = this.scheduler.now()): boolean {
    if (!this.latest) return true;
    const bound = this.definition.staleAfterMs;
    return bound !== undefined && now - this.latest.at > bound;
  }

  /**
   * Publishes a reading stamped with the scheduler's current time.
   * @returns false when the value was rejected by the schema
   */
  publish(raw: unknown): boolean {
    return this.publishAt(raw, this.scheduler.now());
  }

  /** Publishes a reading with an explicit timestamp (replay, snapshots restored from knowledge). */
  publishAt(raw: unknown, at: number): boolean {
    const checked = this.validate(raw);
    if (!checked.ok) {
      this.rejected += 1;
      this.rejectionsSubject.next({ entity: this.entityId, sensor: this.name, value: raw, at, problem: checked.problem });
      return false;
    }
    const reading: Reading<T> = { value: checked.value, at };
    this.latest = reading;
    this.readingsSubject.next(reading);
    return true;
  }

  /** Completes the streams; called when the entity leaves the tree. */
  close(): void {
    this.readingsSubject.complete();
  }
}
