import type { SchedulerLike, Subject } from 'rxjs';
import { UnknownEffectorError, UnknownSensorError } from './errors.js';
import { SERVICE_STATE, SERVICE_UP, type ServiceState } from './lifecycle.js';
import { ESCALATION, SCALE_FLOOR, escalateEffector, setFloorEffector } from './standard-effectors.js';
import type { SensorDefinition } from '../sensors/define-sensor.js';
import { Sensor } from '../sensors/sensor.js';
import type { RejectedReading } from '../sensors/reading.js';
import type { AnyEffectorDefinition, EffectorDefinition } from '../effectors/define-effector.js';

/** What an entity is made from: the tree creates entities from these. */
export interface EntitySpec {
  /** Unique in the tree: letters, digits, `-`, `_`, `.`. */
  readonly id: string;
  /** Entity type, e.g. `application`, `cluster`, `sim.server`. */
  readonly type: string;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly sensors?: ReadonlyArray<SensorDefinition<unknown>>;
  readonly effectors?: ReadonlyArray<AnyEffectorDefinition>;
  /** The tenant this subtree belongs to (see `tenantOf`). */
  readonly tenant?: string;
  /** What this entity uses of named resources (cpu cores, memory bytes), counted against quotas. */
  readonly resources?: Readonly<Record<string, number>>;
  /** What each member a group starts will use (its memberSpec's resources). */
  readonly memberResources?: Readonly<Record<string, number>>;
}

/** The config and resources of an entity that declares none: one frozen object for all of them. */
const NOTHING: Readonly<Record<string, never>> = Object.freeze({});

/**
 * A node of the managed tree. Structure (children, members) changes only through the `EntityTree`, which
 * keeps ids unique and announces every change.
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
  /** @internal maintained by EntityTree */
  readonly _children: Entity[] = [];
  /** @internal maintained by EntityTree */
  readonly _members = new Set<Entity>();
  /** @internal maintained by EntityTree */
  readonly _groups = new Set<Entity>();
  private readonly sensorMap = new Map<string, Sensor<unknown>>();
  private readonly effectorMap = new Map<string, AnyEffectorDefinition>();
  private readonly scheduler: SchedulerLike;
  private readonly rejections: Subject<RejectedReading>;

  /** @internal use EntityTree.add */
  constructor(spec: EntitySpec, scheduler: SchedulerLike, rejections: Subject<RejectedReading>) {
    this.id = spec.id;
    this.type = spec.type;
    this.config = spec.config ?? NOTHING;
    this.tenant = spec.tenant;
    this.resources = spec.resources ?? (NOTHING as Readonly<Record<string, number>>);
    this.memberResources = spec.memberResources;
    this.scheduler = scheduler;
    this.rejections = rejections;
    this.addSensor(declaredBound(SERVICE_UP, spec.sensors));
    this.addSensor(declaredBound(SERVICE_STATE, spec.sensors));
    this.addSensor(ESCALATION);
    this.addEffector(escalateEffector);
    this.addSensor(SCALE_FLOOR);
    this.addEffector(setFloorEffector);
    for (const sensor of spec.sensors ?? []) this.addSensor(sensor);
    for (const effector of spec.effectors ?? []) this.addEffector(effector);
  }

  get parent(): Entity | undefined {
    return this._parent;
  }

  get children(): readonly Entity[] {
    return this._children;
  }

  /** The group's managed set (distinct from children, as in Brooklyn). */
  get members(): readonly Entity[] {
    return [...this._members];
  }

  /** Groups this entity is a member of. */
  get groups(): readonly Entity[] {
    return [...this._groups];
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
    for (const child of this._children) yield* child.subtree();
  }

  /** True when `other` is this entity or below it. */
  contains(other: Entity): boolean {
    for (let e: Entity | undefined = other; e; e = e._parent) if (e === this) return true;
    return false;
  }

  /** Adds a sensor; adding a name that exists returns the existing sensor. */
  addSensor<T>(definition: SensorDefinition<T>): Sensor<T> {
    const existing = this.sensorMap.get(definition.name);
    if (existing) return existing as Sensor<T>;
    const sensor = new Sensor<T>(this.id, definition, this.scheduler, this.rejections);
    this.sensorMap.set(definition.name, sensor as Sensor<unknown>);
    return sensor;
  }

  /** @throws UnknownSensorError when the entity has no such sensor */
  sensor<T = unknown>(name: string): Sensor<T> {
    const sensor = this.sensorMap.get(name);
    if (!sensor) throw new UnknownSensorError(this.id, name);
    return sensor as Sensor<T>;
  }

  hasSensor(name: string): boolean {
    return this.sensorMap.has(name);
  }

  get sensors(): readonly Sensor<unknown>[] {
    return [...this.sensorMap.values()];
  }

  /** Adds or replaces an effector. */
  addEffector<P, R>(definition: EffectorDefinition<P, R>): void {
    this.effectorMap.set(definition.name, definition);
  }

  /** @throws UnknownEffectorError when the entity has no such effector */
  effector(name: string): EffectorDefinition<unknown, unknown> {
    const effector = this.effectorMap.get(name);
    if (!effector) throw new UnknownEffectorError(this.id, name);
    return effector;
  }

  hasEffector(name: string): boolean {
    return this.effectorMap.has(name);
  }

  get effectors(): readonly EffectorDefinition<unknown, unknown>[] {
    return [...this.effectorMap.values()];
  }

  /** The current lifecycle state (undefined only before the tree sets `created`). */
  get state(): ServiceState | undefined {
    return this.sensor<ServiceState>('service.state').current?.value;
  }

  /** Publishes a lifecycle state. */
  setState(state: ServiceState): void {
    this.sensor<ServiceState>('service.state').publish(state);
  }

  /** Publishes `service.up`. */
  setUp(up: boolean): void {
    this.sensor<boolean>('service.up').publish(up);
  }

  /** @internal closes every sensor stream */
  _close(): void {
    for (const sensor of this.sensorMap.values()) sensor.close();
  }
}

/**
 * A standard sensor with the staleness bound (and unit, description) a spec declares for the same name: the
 * standard schema stays, so a blueprint's `staleAfter` on `service.up` is honoured rather than ignored.
 */
function declaredBound<T>(standard: SensorDefinition<T>, declared: ReadonlyArray<SensorDefinition<unknown>> | undefined): SensorDefinition<T> {
  const own = declared?.find((d) => d.name === standard.name);
  if (!own) return standard;
  return {
    ...standard,
    ...(own.staleAfterMs === undefined ? {} : { staleAfterMs: own.staleAfterMs }),
    ...(own.unit === undefined ? {} : { unit: own.unit }),
    ...(own.description === undefined ? {} : { description: own.description }),
  };
}

/** The tenant an entity belongs to: its own, or the nearest ancestor's; undefined when none declares one. */
export function tenantOf(entity: Entity): string | undefined {
  for (let e: Entity | undefined = entity; e; e = e.parent) if (e.tenant !== undefined) return e.tenant;
  return undefined;
}
