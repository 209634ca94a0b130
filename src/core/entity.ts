import type { SchedulerLike, Subject } from 'rxjs';
import { UnknownEffectorError, UnknownSensorError } from './errors.js';
import { SERVICE_STATES, type ServiceState } from './lifecycle.js';
import { entityKind, type EntityKind } from './entity-kind.js';
import type { SensorDefinition } from '../sensors/define-sensor.js';
import { Sensor } from '../sensors/sensor.js';
import type { Observation, RejectedReading } from '../sensors/reading.js';
import type { AnyEffectorDefinition, EffectorDefinition } from '../effectors/define-effector.js';
import type { EntitySpec } from './entity-spec.js';
import { servicesOf, type TreeServices } from './entity-services.js';

export type { EntitySpec } from './entity-spec.js';
export { _setSensorCreationHook } from './entity-services.js';

/** The config and resources of an entity that declares none: one frozen object for all of them. */
const NOTHING: Readonly<Record<string, never>> = Object.freeze({});
/** The children of a leaf and the members and groups of an entity that has none: one array for all. */
const NONE: readonly Entity[] = Object.freeze([]);
const STATES: ReadonlySet<unknown> = new Set(SERVICE_STATES);
const STATE_SENSOR = 1; // position of `service.state` in every kind (see entity-kind)

/** What few entities have: sensors and effectors added after creation, and whether the entity was closed. */
interface EntityExtras {
  sensors?: Map<string, Sensor<unknown>>;
  effectors?: Map<string, AnyEffectorDefinition>;
  /** How many times `addEffector` was called (see `_effectorVersion`). */
  effectorChanges?: number;
  closed?: boolean;
}

/**
 * A node of the managed tree. Structure (children, members) changes only through the `EntityTree`, which
 * keeps ids unique and announces every change.
 *
 * An entity is cheap until it is used: its declared sensors and effectors are one `EntityKind` shared with
 * every entity made from the same definitions, and each `Sensor` object is created the first time it is
 * asked for. The lifecycle state published before then (`created`) is kept in two fields and handed to the
 * `service.state` sensor when it is created.
 */
export class Entity {
  readonly id: string;
  readonly type: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** The tenant declared on this node (its descendants inherit it; see `tenantOf`). */
  readonly tenant: string | undefined;
  /** Resources this entity uses, counted against quotas. */
  readonly resources: Readonly<Record<string, number>>;
  /** Resources each new member of this group will use. */
  readonly memberResources: Readonly<Record<string, number>> | undefined;
  /** @internal maintained by EntityTree */
  _parent: Entity | undefined;
  /** @internal maintained by EntityTree (created with the first child) */
  _children: Entity[] | undefined;
  /** @internal maintained by EntityTree (created with the first member) */
  _members: Set<Entity> | undefined;
  /** @internal maintained by EntityTree (created with the first group) */
  _groups: Set<Entity> | undefined;
  /** @internal the mark of the arbiter whose holds at this entity are kept in `_held`: the first to hold it (see `ScopeHolds`) */
  _holdOwner: object | undefined;
  /** @internal what `_holdOwner` holds at this entity */
  _held: unknown;
  /** @internal the mark of the effector queue whose tail for this entity is kept in `_queueTail`: the first to take it (see `EntityQueue`) */
  _queueOwner: object | undefined;
  /** @internal what work on this entity waits behind in `_queueOwner` */
  _queueTail: unknown;
  private readonly kind: EntityKind;
  /** The sensors created so far, at their kind's positions (created with the first one). */
  private created: Array<Sensor<unknown> | undefined> | undefined;
  private extras: EntityExtras | undefined;
  private readonly services: TreeServices;
  /** The lifecycle state published while `service.state` had no Sensor object yet, and when. */
  private pendingState: ServiceState | undefined;
  private pendingStateAt = 0;

  /** @internal use EntityTree.add */
  constructor(spec: EntitySpec, scheduler: SchedulerLike, rejections: Subject<RejectedReading>) {
    this.id = spec.id;
    this.type = spec.type;
    this.config = spec.config ?? NOTHING;
    this.tenant = spec.tenant;
    this.resources = spec.resources ?? (NOTHING as Readonly<Record<string, number>>);
    this.memberResources = spec.memberResources;
    this.services = servicesOf(scheduler, rejections);
    this.kind = entityKind(spec.sensors, spec.effectors);
  }

  get parent(): Entity | undefined {
    return this._parent;
  }

  get children(): readonly Entity[] {
    return this._children ?? NONE;
  }

  /** The group's managed set (distinct from children, as in Brooklyn). */
  get members(): readonly Entity[] {
    return this._members ? [...this._members] : [];
  }

  /** How many members the group has (without copying them, as `members` does). */
  get memberCount(): number {
    return this._members?.size ?? 0;
  }

  /** Groups this entity is a member of. */
  get groups(): readonly Entity[] {
    return this._groups ? [...this._groups] : [];
  }

  /** Slash-separated ids from the root, e.g. `/shop/web/web-1`. */
  get path(): string {
    return `${this._parent ? this._parent.path : ''}/${this.id}`;
  }

  /** Ancestors from the parent up to the root. */
  *ancestors(): Iterable<Entity> {
    for (let e = this._parent; e; e = e._parent) yield e;
  }

  /** This entity and every descendant, depth first. */
  *subtree(): Iterable<Entity> {
    yield this;
    for (const child of this.children) yield* child.subtree();
  }

  /** True when `other` is this entity or below it. */
  contains(other: Entity): boolean {
    for (let e: Entity | undefined = other; e; e = e._parent) if (e === this) return true;
    return false;
  }

  /** Adds a sensor; adding a name that exists returns the existing sensor. */
  addSensor<T>(definition: SensorDefinition<T>): Sensor<T> {
    const existing = this.findSensor(definition.name);
    if (existing) return existing as Sensor<T>;
    const extras = (this.extras ??= {});
    const sensor = this.newSensor(definition as SensorDefinition<unknown>);
    (extras.sensors ??= new Map()).set(definition.name, sensor);
    return sensor as Sensor<T>;
  }

  /** @throws UnknownSensorError when the entity has no such sensor */
  sensor<T = unknown>(name: string): Sensor<T> {
    const sensor = this.findSensor(name);
    if (!sensor) throw new UnknownSensorError(this.id, name);
    return sensor as Sensor<T>;
  }

  hasSensor(name: string): boolean {
    return this.kind.sensorIndex.has(name) || (this.extras?.sensors?.has(name) ?? false);
  }

  /** Every sensor, the declared ones first (asking for them all creates them all). */
  get sensors(): readonly Sensor<unknown>[] {
    const all = this.kind.sensors.map((_, index) => this.sensorAt(index));
    for (const sensor of this.extras?.sensors?.values() ?? []) all.push(sensor);
    return all;
  }

  /**
   * @internal the sensors created so far (the others have no reading and no subscriber), creating none: an
   * array, not a generator (a scrape asks it of every entity, and a generator costs more than the array)
   */
  _createdSensors(): Sensor<unknown>[] {
    const created: Sensor<unknown>[] = [];
    for (const sensor of this.created ?? []) if (sensor) created.push(sensor);
    this.extras?.sensors?.forEach((sensor) => created.push(sensor));
    return created;
  }

  /** @internal the current reading of every sensor that has one, in the order of `sensors`, creating none */
  *_currentReadings(): Iterable<Observation<unknown>> {
    for (let index = 0; index < this.kind.sensors.length; index++) {
      const current = this.created?.[index]?.current;
      if (current) yield current;
      else if (index === STATE_SENSOR && this.pendingState !== undefined) yield { entity: this.id, sensor: 'service.state', value: this.pendingState, at: this.pendingStateAt };
    }
    for (const sensor of this.extras?.sensors?.values() ?? []) if (sensor.current) yield sensor.current;
  }

  /** @internal the definitions of every sensor, in the order of `sensors`, creating none */
  _sensorDefinitions(): readonly SensorDefinition<unknown>[] {
    const extra = this.extras?.sensors;
    return extra ? [...this.kind.sensors, ...[...extra.values()].map((s) => s.definition as SensorDefinition<unknown>)] : this.kind.sensors;
  }

  /** Adds or replaces an effector. */
  addEffector<P, R>(definition: EffectorDefinition<P, R>): void {
    const extras = (this.extras ??= {});
    (extras.effectors ??= new Map()).set(definition.name, definition as AnyEffectorDefinition);
    extras.effectorChanges = (extras.effectorChanges ?? 0) + 1;
  }

  /**
   * @internal changes whenever `effector(name)` may answer differently for some name (the declared effectors
   * never change; each `addEffector` may): a memo of lookups is good while it stays the same.
   */
  get _effectorVersion(): number {
    return this.extras?.effectorChanges ?? 0;
  }

  /** @throws UnknownEffectorError when the entity has no such effector */
  effector(name: string): EffectorDefinition<unknown, unknown> {
    const effector = this.extras?.effectors?.get(name) ?? this.kind.effectors.get(name);
    if (!effector) throw new UnknownEffectorError(this.id, name);
    return effector;
  }

  hasEffector(name: string): boolean {
    return this.kind.effectors.has(name) || (this.extras?.effectors?.has(name) ?? false);
  }

  /** Every effector, in the order they were added (one added again keeps its place). */
  get effectors(): readonly EffectorDefinition<unknown, unknown>[] {
    const added = this.extras?.effectors;
    if (!added) return [...this.kind.effectors.values()];
    const all = [...this.kind.effectors.values()].map((e) => added.get(e.name) ?? e);
    for (const [name, effector] of added) if (!this.kind.effectors.has(name)) all.push(effector);
    return all;
  }

  /** The current lifecycle state (undefined only before the tree sets `created`). */
  get state(): ServiceState | undefined {
    if (this.created?.[STATE_SENSOR] === undefined) return this.pendingState;
    return this.sensor<ServiceState>('service.state').current?.value;
  }

  /** Publishes a lifecycle state. */
  setState(state: ServiceState): void {
    // without a Sensor object nobody listens: a valid state is kept until one is asked for (a bound on the
    // sensor makes it stale with time, which only the Sensor tracks, so such entities create it at once)
    if (this.created?.[STATE_SENSOR] === undefined && STATES.has(state) && this.kind.sensors[STATE_SENSOR]?.staleAfterMs === undefined) {
      this.pendingState = state;
      this.pendingStateAt = this.services.scheduler.now();
      return;
    }
    this.sensor<ServiceState>('service.state').publish(state);
  }

  /** Publishes `service.up`. */
  setUp(up: boolean): void {
    this.sensor<boolean>('service.up').publish(up);
  }

  /** @internal true once the entity left its tree */
  get _closed(): boolean {
    return this.extras?.closed === true;
  }

  /** @internal closes every sensor stream (sensors asked for later start closed) */
  _close(): void {
    (this.extras ??= {}).closed = true;
    for (const sensor of this._createdSensors()) sensor.close();
  }

  /**
   * @internal the sensor named `name`, or undefined when the entity has none: one lookup where `hasSensor`
   * then `sensor` make two (the engine asks it of every input of every plan).
   */
  findSensor(name: string): Sensor<unknown> | undefined {
    const index = this.kind.sensorIndex.get(name);
    return index === undefined ? this.extras?.sensors?.get(name) : this.sensorAt(index);
  }

  /** The declared sensor at `index` of the kind, created on first use. */
  private sensorAt(index: number): Sensor<unknown> {
    const created = (this.created ??= new Array<Sensor<unknown> | undefined>(this.kind.sensors.length).fill(undefined));
    const existing = created[index];
    if (existing) return existing;
    const sensor = this.newSensor(this.kind.sensors[index] as SensorDefinition<unknown>);
    created[index] = sensor;
    if (index === STATE_SENSOR && this.pendingState !== undefined) {
      sensor.publishAt(this.pendingState, this.pendingStateAt);
      this.pendingState = undefined;
    }
    return sensor;
  }

  private newSensor(definition: SensorDefinition<unknown>): Sensor<unknown> {
    const sensor = new Sensor<unknown>(this.id, definition, this.services.scheduler, this.services.rejections);
    if (this.extras?.closed) sensor.close();
    this.services.sensorCreated?.(this, sensor);
    return sensor;
  }
}

/** The tenant an entity belongs to: its own, or the nearest ancestor's; undefined when none declares one. */
export function tenantOf(entity: Entity): string | undefined {
  for (let e: Entity | undefined = entity; e; e = e.parent) if (e.tenant !== undefined) return e.tenant;
  return undefined;
}
