import type { Observable, SchedulerLike, Subject, Subscriber } from 'rxjs';
import type { SensorDefinition } from './define-sensor.js';
import type { Observation, RejectedReading } from './reading.js';
import { INVALID, finiteNumber, readingValidator, type ReadingValidator } from './reading-validator.js';
import { sensorContext, type SensorContext } from './sensor-context.js';
import { NOT_QUIET, isReadingSink, type QuietRange, type ReadingSink } from './reading-sink.js';
import { deliver, deliverReading } from './deliver.js';
import { SensorStream } from './sensor-stream.js';
import { CLOSED, NO_SUBSCRIBERS, admitSubscriber, tieToSensor } from './sensor-subscribers.js';
import { rejectedReading, timeProblem } from './sensor-rejection.js';
import { isStaleReading, staleTimeOf } from './sensor-staleness.js';
import { deliveringSensors } from './delivering-sensors.js';

/**
 * A live sensor on one entity: the current reading, a hot stream of new readings, staleness, and a count of
 * rejected readings. Values that fail the schema (NaN, a string for a number) are rejected and reported;
 * they never reach subscribers and never replace the current value.
 *
 * A reading becomes an `Observation` (tagged with entity and sensor), created once and shared by all
 * subscribers, and only when someone takes it (with no subscriber, never). A sole subscriber that is a
 * `ReadingSink` (an analyzer subscribed straight to this sensor) gets the value and time instead, builds the
 * Observation only if it keeps or emits one, and may say which numbers its state ignores (a threshold at
 * `normal`: everything between its bounds): the sensor keeps those readings to itself (current value, time and
 * staleness still follow every reading). The subscriber list is a plain array: this is the loop's hottest path.
 */
export class Sensor<T> {
  // Hot fields first, in the order a numeric reading for a sole sink touches them (V8 lays fields out in
  // declaration order). Every field counts: a loop publishing to many sensors streams through them, and its
  // time grows with their size (a sensor takes 8 bytes of header per field plus 16 per number box).
  /** The tree's clock and rejection sink, shared by its sensors. */
  private readonly context: SensorContext;
  /** `finiteNumber` for plain number sensors, whose readings take the fast path. */
  private readonly validator: ReadingValidator<T>;
  /** The numbers `sink` said it would ignore after its latest reading; kept here, not handed to it. */
  private quiet: QuietRange = NOT_QUIET;
  /**
   * The latest reading is kept as plain fields, not as the Observation object: a long-lived sensor pointing at
   * each new (young) observation would make every minor GC walk one pointer per sensor. Number fields are updated
   * in place and start as NaN (read only once there is a reading), not 0: a double field gets its number box with
   * the sensor, a small-integer one is moved to a box allocated at the first reading, away from the sensor. NaN
   * also makes a number sensor's first reading a change, and `lastAt` is NaN exactly until the first reading (an
   * accepted reading's time is always a finite number): no flag to set on each reading.
   */
  private lastNumber = Number.NaN;
  private lastChangedAt = Number.NaN;
  private lastAt = Number.NaN;
  /** The Observation `current` last built: still the current one while its value and time are the latest. */
  private currentCache: Observation<T> | undefined;
  /** `single` when it takes readings as value and time (a `ReadingSink`); undefined otherwise. */
  private sink: ReadingSink<T> | undefined;
  /** The only subscriber, when there is one (the common case: one policy per sensor); saves a hop. */
  private single: Subscriber<Observation<T>> | undefined;
  /** All subscribers when there are several; empty with one (`single`) or none; `CLOSED` once closed. Copy on write, so it starts shared. */
  private subscribers: readonly Subscriber<Observation<T>>[] = NO_SUBSCRIBERS;
  private lastValue: T | undefined;
  readonly entityId: string;
  readonly definition: SensorDefinition<T>;
  private rejected = 0;

  /** @param rejections shared sink for rejected readings (the tree passes one for all sensors) */
  constructor(entityId: string, definition: SensorDefinition<T>, scheduler: SchedulerLike, rejections: Subject<RejectedReading>) {
    this.entityId = entityId;
    this.definition = definition;
    this.context = sensorContext(scheduler, rejections);
    this.validator = readingValidator(definition.schema);
  }

  /** The sensor's name (its definition's). */
  get name(): string {
    return this.definition.name;
  }

  // The streams are small objects made on each ask and not kept: a policy subscribes once, and a stream kept
  // for the sensor's life would be one more long-lived object per sensor (a million sensors, a million more).

  /** Hot stream of accepted readings, each tagged with entity and sensor (no replay). */
  get readings$(): Observable<Observation<T>> {
    return new SensorStream(this, false);
  }

  /** The current reading (if any) followed by every new one. */
  get changes$(): Observable<Observation<T>> {
    return new SensorStream(this, true);
  }

  /** Same as `changes$`: what analyzers consume (current first, then updates). */
  get observations$(): Observable<Observation<T>> {
    return this.changes$;
  }

  /** The latest accepted reading, stale or not. */
  get current(): Observation<T> | undefined {
    const at = this.lastAt;
    if (at !== at) return undefined;
    const value = this.latestValue();
    const cached = this.currentCache;
    // checked here rather than cleared at each reading: a reading then stores nothing it need not
    if (cached !== undefined && cached.at === at && Object.is(cached.value, value)) return cached;
    return (this.currentCache = { entity: this.entityId, sensor: this.name, value, at });
  }

  /** The latest value when it is fresh; undefined when missing or stale (never a default such as zero). */
  get value(): T | undefined {
    return this.hasReading() && !this.isStale() ? this.latestValue() : undefined;
  }

  /** Number of readings rejected since creation (by the schema, or for a time that is not a finite number). */
  get rejectedCount(): number {
    return this.rejected;
  }

  /**
   * When the value last changed (the first reading of the current value, after a different one); undefined
   * with no reading. A value reported over and over (a level-based health check) keeps its first time.
   */
  get changedAt(): number | undefined {
    return this.hasReading() ? this.lastChangedAt : undefined;
  }

  /** True when there is no reading or the latest is older than the staleness bound. */
  isStale(now?: number): boolean {
    return isStaleReading(this.lastAt, this.definition.staleAfterMs, now, this.context.scheduler);
  }

  /**
   * When the latest reading goes stale (ms): `isStale(now)` exactly when `now >= staleAt`. Infinity when it
   * never does (no bound), -Infinity with no reading. For queues of expiries (enrichers that count fresh values).
   */
  get staleAt(): number {
    return staleTimeOf(this.lastAt, this.definition.staleAfterMs);
  }

  /**
   * Publishes a reading stamped with the scheduler's current time.
   * @returns false when the value was rejected by the schema
   */
  publish(raw: unknown): boolean {
    return this.publishStamped(raw, this.context.scheduler.now());
  }

  /**
   * Publishes a reading with an explicit timestamp (replay, late delivery, snapshots).
   * @returns false when the value was rejected by the schema, or the time is not a finite number (a reading
   *   without a real time would never go stale, and no symptom could list it); both are counted and reported
   */
  publishAt(raw: unknown, at: number): boolean {
    if (typeof at !== 'number' || at - at !== 0) return this.rejectTime(raw, at);
    return this.publishStamped(raw, at);
  }

  /** Publishes a reading whose time is known to be finite (the scheduler's, or checked by `publishAt`). */
  private publishStamped(raw: unknown, at: number): boolean {
    // Plain finite numbers are by far the most common reading: checked and kept as numbers, without a call.
    // Everything else is in methods of its own, so that this path stays small enough for V8 to inline whole
    // (down to the analyzer) into the caller; a value passed to a call that is not inlined costs an allocation.
    if (this.validator !== finiteNumber) return this.publishChecked(raw, at);
    if (typeof raw !== 'number' || raw - raw !== 0) return this.reject(raw, at);
    if (this.lastNumber !== raw) this.lastChangedAt = at;
    this.lastNumber = raw;
    this.accepted(raw as T, at);
    return true;
  }

  /** Publishes a reading of a sensor whose schema is not a plain number: checked by its validator. */
  private publishChecked(raw: unknown, at: number): boolean {
    const value = this.validator.check(raw);
    if (value === INVALID) return this.reject(raw, at);
    if (!this.hasReading() || this.lastValue !== value) this.lastChangedAt = at;
    this.lastValue = value;
    this.accepted(value, at);
    return true;
  }

  /** Counts and reports a reading that failed the schema, with where it came from and what is wrong. */
  private reject(raw: unknown, at: number): false {
    this.rejected += 1;
    this.context.rejections.next(rejectedReading(this, raw, at, this.validator.explain(raw)));
    return false;
  }

  /** Counts and reports a reading whose explicit time is not a finite number (reported at the scheduler's time). */
  private rejectTime(raw: unknown, at: unknown): false {
    this.rejected += 1;
    this.context.rejections.next(rejectedReading(this, raw, this.context.scheduler.now(), timeProblem(at)));
    return false;
  }

  /** Keeps an accepted reading's time and hands the reading to the subscribers (its value is already kept). */
  private accepted(value: T, at: number): void {
    this.lastAt = at;
    const sink = this.sink;
    if (sink !== undefined) {
      // a number the sink said it would ignore stops here: the common reading of a healthy fleet, which then
      // touches only the sensor (and a range shared by every sink in the same state)
      const quiet = this.quiet;
      if (typeof value === 'number' && value > quiet.low && value < quiet.high) return;
      // while the sink takes this reading, its answer to the last one no longer holds: a reading published
      // from inside (a handler reacting to the symptom) must reach it
      this.quiet = NOT_QUIET;
      const range = deliverReading(sink, value, at, this);
      // the sink may have left (or another joined) during its reading: its answer is then nobody's
      if (this.sink === sink) this.quiet = range;
    } else if (this.single !== undefined || this.subscribers.length > 0) this.fanOut(value, at);
  }

  /** Hands a reading as one Observation, shared, to the subscribers that take Observations. */
  private fanOut(value: T, at: number): void {
    const observation: Observation<T> = { entity: this.entityId, sensor: this.name, value, at };
    if (this.single) deliver(this.single, observation);
    else this.fanOutToMany(observation);
  }

  /** Hands an Observation to several subscribers in turn, this sensor counted as delivering meanwhile. */
  private fanOutToMany(observation: Observation<T>): void {
    const subscribers = this.subscribers;
    // a later subscriber may hear a reading an earlier one published on another sensor before this one
    // (no try/finally needed to take it off again: `deliver` catches whatever a subscriber throws)
    deliveringSensors.push(this as Sensor<unknown>);
    for (let i = 0; i < subscribers.length; i++) {
      // a subscriber here may have become the sole sink while an earlier one took this reading (that one left),
      // and this Observation then changes its state behind its last answer: no answer holds across a delivery
      this.quiet = NOT_QUIET;
      deliver(subscribers[i] as Subscriber<Observation<T>>, observation);
    }
    deliveringSensors.pop();
    this.quiet = NOT_QUIET;
  }

  /** Completes the streams; called when the entity leaves the tree. */
  close(): void {
    const subscribers = this.single ? [this.single] : this.subscribers;
    this.subscribers = CLOSED;
    this.setSingle(undefined);
    for (const subscriber of subscribers) subscriber.complete();
  }

  /** True once a reading was accepted: its time is never NaN. */
  private hasReading(): boolean {
    return this.lastAt === this.lastAt;
  }

  private latestValue(): T {
    return (this.validator === finiteNumber ? this.lastNumber : this.lastValue) as T;
  }

  /** @internal adds a subscriber (its stream was subscribed), first handing it the current reading when `replay` */
  _attach(subscriber: Subscriber<Observation<T>>, replay: boolean): void {
    if (!admitSubscriber(this, this.subscribers === CLOSED, subscriber, replay)) return;
    // copy on write: a subscriber leaving during a publish does not disturb the loop in progress
    if (this.single) {
      this.subscribers = [this.single, subscriber];
      this.setSingle(undefined);
    } else if (this.subscribers.length === 0) this.setSingle(subscriber);
    else this.subscribers = this.subscribers.concat(subscriber);
    tieToSensor(this, subscriber);
  }

  /** @internal removes a subscriber (its subscription ended) */
  _detach(subscriber: Subscriber<Observation<T>>): void {
    if (this.single === subscriber) {
      this.setSingle(undefined);
      return;
    }
    const rest = this.subscribers.filter((s) => s !== subscriber);
    if (rest.length === this.subscribers.length) return;
    this.setSingle(rest.length === 1 ? rest[0] : undefined);
    this.subscribers = rest.length === 1 ? NO_SUBSCRIBERS : rest;
  }

  /**
   * @internal forgets the range its sink answered the last reading with: the sink's state moved by a reading
   * from another source (a Subject, a second sensor it was also handed to), which the answer did not see
   */
  _forgetAnswer(): void {
    this.quiet = NOT_QUIET;
  }

  /** Sets the sole subscriber, and the sink that stands for it when it takes readings as value and time. */
  private setSingle(subscriber: Subscriber<Observation<T>> | undefined): void {
    this.single = subscriber;
    this.sink = subscriber !== undefined && isReadingSink<T>(subscriber) ? subscriber : undefined;
    this.quiet = NOT_QUIET;
  }
}
