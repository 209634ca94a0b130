import path from 'node:path';
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { Engine, type StopOptions } from '../core/engine/engine.js';
import { checkGrace } from '../core/engine/engine-options.js';
import { quotaFrom } from '../core/quota.js';
import type { Entity } from '../core/entity.js';
import { EntityTree } from '../core/entity-tree.js';
import { EffectorInvoker } from '../effectors/invoker.js';
import type { DriverContext } from '../drivers/entity-type.js';
import { operationRecorder } from './operation-recorder.js';
import { seededRandom } from '../drivers/seeded-random.js';
import { Knowledge } from '../knowledge/knowledge.js';
import { MemoryStore } from '../knowledge/memory-store.js';
import { InFlightLedger } from '../knowledge/in-flight.js';
import type { InvocationRecord } from '../effectors/invocation.js';
import type { InvocationDelegate } from '../effectors/delegated-invocation.js';
import type { KnowledgeStore } from '../knowledge/store.js';
import { quorumUp } from '../sensors/enrichers/quorum-up.js';
import { enricherFromDecl } from './enricher-decl.js';
import { FeedBoard } from '../sensors/feeds/feed-health.js';
import { startFeed } from './start-feed.js';
import { booleanSensor, type SensorDefinition } from '../sensors/define-sensor.js';
import { isKindFeed } from './feed-kinds.js';
import type { Blueprint, ResolvedEntity } from './resolved.js';
import { blueprintStateDir } from './state-dir.js';
import type { SimulationHost } from '../sim/simulation-host.js';

/** Options of a deployment. */
export interface DeployOptions {
  /** The clock; default real time. Pass a VirtualClock to test or simulate. */
  readonly scheduler?: SchedulerLike;
  /** Where knowledge lives; default in memory. */
  readonly store?: KnowledgeStore;
  /** Force dry run on (in addition to the blueprint's setting). */
  readonly dryRun?: boolean;
  /** Random source for drivers and retry jitter; default seeded from `engine.seed`, else Math.random. */
  readonly random?: () => number;
  /** Set by `homeostat simulate`: the trace simulated entity types replay, and where they report. */
  readonly simulation?: SimulationHost;
  /**
   * Default grace of `stop()` (ms): how long effectors in flight may go on before they are aborted and
   * recorded as failed. Default 10 000.
   */
  readonly stopGraceMs?: number;
  /**
   * With several instances: the fencing token to act under, asked before every effector attempt; undefined
   * means this instance must not act now (on this entity: with shards, each subtree has its own lease).
   * Default: always act (one instance).
   */
  readonly fence?: (entity: string) => number | undefined;
  /** With shards: hands an invocation this instance may not run to the instance holding its entity's shard. */
  readonly delegate?: InvocationDelegate;
  /**
   * With several instances on one knowledge store: this instance's name, put in the ids of the decisions it
   * records so that no two instances write the same id. Default none (one instance).
   */
  readonly instance?: string;
  /**
   * With shards: the shard an entity belongs to, asked when an effector starts, so the mark of an invocation in
   * flight is kept (and reconciled on a takeover) with its shard. Default: the entity itself.
   */
  readonly inFlightGroup?: (entity: string) => string | undefined;
  /** Writes kept, in order, for a knowledge store that fails; above it new writes are dropped and counted. Default 100 000. */
  readonly maxPendingWrites?: number;
  /** Where drivers keep pid files and logs; default HOMEOSTAT_STATE_DIR, else one folder per blueprint file under ~/.local/state/homeostat. */
  readonly stateDir?: string;
}

/**
 * A running blueprint: the entity tree with its enrichers, drivers and policies, the engine and knowledge.
 * Members spawned at run time from a memberSpec get the same treatment, and everything an entity started
 * is stopped when it leaves the tree.
 */
export class Deployment {
  readonly tree: EntityTree;
  readonly engine: Engine;
  readonly knowledge: Knowledge;
  /** Every running feed with its health (last success, consecutive failures), and their events. */
  readonly feeds = new FeedBoard();
  private readonly specs = new Map<Entity, ResolvedEntity>();
  private readonly teardowns = new Map<Entity, Array<() => void | Promise<void>>>();
  private readonly driverContext: DriverContext;
  private readonly subscriptions: Subscription[] = [];
  private started = false;
  private stopping: Promise<void> | undefined;
  private readonly inFlight: InFlightLedger;
  /** Invocations an earlier run left in flight, recorded as `unknown` when this one started. */
  reconciled: readonly InvocationRecord[] = [];

  private constructor(
    readonly blueprint: Blueprint,
    knowledge: Knowledge,
    scheduler: SchedulerLike,
    random: () => number,
    dryRun: boolean,
    simulation: SimulationHost | undefined,
    stopGraceMs: number | undefined,
    fence: ((entity: string) => number | undefined) | undefined,
    stateDir: string,
    inFlightGroup: ((entity: string) => string | undefined) | undefined,
    delegate: InvocationDelegate | undefined,
    instance: string | undefined,
  ) {
    this.tree = new EntityTree(scheduler);
    this.knowledge = knowledge;
    this.engine = new Engine({ tree: this.tree, knowledge, scheduler, invoker: new EffectorInvoker(scheduler, random, { ...(fence ? { fence } : {}), ...(delegate ? { delegate } : {}) }), dryRun, ...(stopGraceMs === undefined ? {} : { stopGraceMs }), ...(instance === undefined ? {} : { decisionIdTag: instance }) });
    this.inFlight = new InFlightLedger(knowledge, inFlightGroup);
    this.driverContext = {
      tree: this.tree,
      scheduler,
      random,
      spawnMember: (group, id, overrides) => this.spawnMember(group, id, overrides),
      retire: (entity) => this.retire(entity),
      invoke: (entity, effector, params, caller) => this.engine.invoker.invoke(entity, effector, params, { caller: { kind: 'policy', name: caller } }),
      recordOperation: operationRecorder(knowledge, scheduler, instance),
      ...(simulation === undefined ? {} : { simulation }),
      baseDir: path.dirname(path.resolve(blueprint.file)),
      stateDir,
    };
    this.subscriptions.push(
      this.tree.changes$.subscribe((change) => {
        if (change.kind !== 'removed') return;
        for (const teardown of this.teardowns.get(change.entity) ?? []) void teardown();
        this.teardowns.delete(change.entity);
        this.specs.delete(change.entity);
      }),
    );
  }

  /** Opens knowledge (loading persisted policy state) and prepares a deployment; `start()` runs it. */
  static async create(blueprint: Blueprint, options: DeployOptions = {}): Promise<Deployment> {
    const scheduler = options.scheduler ?? asyncScheduler;
    const knowledge = new Knowledge(options.store ?? new MemoryStore(), scheduler, options.maxPendingWrites === undefined ? {} : { maxPendingWrites: options.maxPendingWrites });
    await knowledge.open();
    const random = options.random ?? (blueprint.seed === undefined ? Math.random : seededRandom(blueprint.seed));
    return new Deployment(blueprint, knowledge, scheduler, random, (options.dryRun ?? false) || blueprint.dryRun, options.simulation, options.stopGraceMs, options.fence, options.stateDir ?? blueprintStateDir(blueprint), options.inFlightGroup, options.delegate, options.instance);
  }

  /** Builds the tree, starts enrichers and drivers, attaches the policies and starts the loops. */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.knowledge.isWritable) this.reconcileInFlight();
    this.inFlight.watch(this.engine.invoker);
    const root = this.build(this.blueprint.root, undefined, this.blueprint.root.id);
    for (const [entity, spec] of this.specs) for (const member of spec.members) this.tree.addMember(entity, member);
    for (const [tenant, declared] of Object.entries(this.blueprint.tenants ?? {})) {
      const roots = [...this.specs].filter(([, spec]) => spec.tenant === tenant && spec.id).map(([entity]) => entity.id);
      if (declared.quota) this.engine.setQuota(quotaFrom(`tenant ${tenant}`, roots, declared.quota));
    }
    this.activate(root);
    this.engine.start();
  }

  /**
   * Records invocations an earlier run (or an instance that held the lease before this one) left in flight,
   * as `unknown`, never repeating them. Done at start, or by an instance when it takes over; `only` limits it
   * to some groups (see `inFlightGroup`: one shard's, when an instance takes that shard).
   * @returns the records written (also kept in `reconciled`)
   */
  reconcileInFlight(only?: (group: string) => boolean): readonly InvocationRecord[] {
    this.reconciled = this.inFlight.reconcile(this.engine.scheduler.now(), only);
    return this.reconciled;
  }

  /**
   * Stops the loops: their effectors in flight get the grace, then are aborted (see `Engine.stopLoops`);
   * invocations of others (the API's) are still recorded. Drivers, feeds and knowledge go on until `stop`.
   * A host that must know its loops' effectors have ended before a step of its own stop (an HA instance
   * gives its lease up only then) calls it first; `stop` does not stop the loops again.
   */
  stopLoops(options: StopOptions = {}): Promise<void> {
    return this.engine.stopLoops(options);
  }

  /**
   * Stops the loops (effectors in flight get the stop grace, then are aborted; see `Engine.stop`) unless
   * `stopLoops` did, then the drivers, snapshots the sensors into knowledge, and closes knowledge. Called
   * again, it waits on the first call's stop (nothing is stopped, snapshotted or closed twice).
   * @throws ValidationError when graceMs is negative or too large for a timer (nothing is stopped then); the
   *   knowledge flush error when the store is failing
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (!this.stopping) {
      if (options.graceMs !== undefined) checkGrace(options.graceMs, 'deployment stop graceMs');
      this.stopping = this.stopAll(options);
    }
    return this.stopping;
  }

  private async stopAll(options: StopOptions): Promise<void> {
    await this.engine.stop(options);
    this.inFlight.stop();
    // drivers that stop real processes return promises: wait until every one has stopped
    const stopping: Array<void | Promise<void>> = [];
    for (const teardowns of this.teardowns.values()) for (const teardown of teardowns) stopping.push(teardown());
    this.teardowns.clear();
    await Promise.allSettled(stopping);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.recordSnapshots();
    await this.knowledge.close();
  }

  /**
   * Writes each sensor's latest reading to knowledge: what a restarted service shows for a sensor until it reads
   * again (`stored` in `GET /entities/:id`). `stop` does it; a host under a lease (HA) calls it before giving the
   * lease up too, since a write made after that is under no lease it holds and is not written.
   */
  recordSnapshots(): void {
    for (const entity of this.tree.entities()) {
      for (const current of entity._currentReadings()) this.knowledge.recordSnapshot({ entity: entity.id, sensor: current.sensor, value: current.value, at: current.at });
    }
  }

  private build(spec: ResolvedEntity, parent: Entity | undefined, id: string): Entity {
    const entity = this.tree.add(
      {
        id, type: spec.type.name, config: spec.rawConfig, sensors: [...(spec.type.sensors ?? []), ...spec.sensors, ...feedBounds(spec)], effectors: spec.effectors ?? [],
        ...(spec.tenant === undefined ? {} : { tenant: spec.tenant }),
        ...(spec.resources === undefined ? {} : { resources: spec.resources }),
        ...(spec.memberSpec?.resources === undefined ? {} : { memberResources: spec.memberSpec.resources }),
      },
      parent,
    );
    this.specs.set(entity, spec);
    for (const child of spec.children) this.build(child, entity, child.id);
    return entity;
  }

  /** Starts enrichers, quorum, drivers and policies of a subtree, children first (a parent aggregates them). */
  private activate(entity: Entity): void {
    for (const child of entity.children) this.activate(child);
    const spec = this.specs.get(entity);
    if (!spec) return;
    const teardowns: Array<() => void> = [];
    this.teardowns.set(entity, teardowns);
    const context = { tree: this.tree, scheduler: this.tree.scheduler };
    if (spec.budget && spec.id) this.engine.setBudget({ entity: entity.id, maxActions: spec.budget.actions, windowMs: spec.budget.windowMs });
    if (spec.quota && spec.id) this.engine.setQuota(quotaFrom(entity.id, [entity.id], spec.quota));
    if (spec.quorum) {
      const subscription = quorumUp({ from: spec.quorum.from, rule: spec.quorum }).start(entity, context);
      teardowns.push(() => subscription.unsubscribe());
    }
    for (const decl of spec.enrichers) {
      const subscription = enricherFromDecl(decl).start(entity, context);
      teardowns.push(() => subscription.unsubscribe());
    }
    for (const feed of spec.feeds) teardowns.push(startFeed(feed, entity, { scheduler: this.tree.scheduler, random: this.driverContext.random, board: this.feeds }));
    const stop = spec.type.start?.(entity, spec.config, this.driverContext);
    if (stop) teardowns.push(stop);
    for (const policy of spec.policies) {
      const id = policy.id === undefined ? undefined : spec.id ? policy.id : `${entity.id}/${policy.id}`;
      this.engine.attach(entity, policy.definition, policy.config, {
        ...(id === undefined ? {} : { id }),
        cooldownMs: policy.cooldownMs,
        dryRun: policy.dryRun,
        suspended: policy.suspended,
      });
    }
  }

  private spawnMember(group: Entity, id: string, overrides?: Readonly<Record<string, unknown>>): Entity | undefined {
    const template = this.specs.get(group)?.memberSpec;
    if (!template) return undefined;
    const spec = withOverrides(template, overrides);
    const member = this.build(spec, group, id);
    this.tree.addMember(group, member);
    this.activate(member);
    return member;
  }

  private retire(entity: Entity): void {
    entity.setState('stopping');
    entity.setUp(false);
    entity.setState('stopped');
    this.tree.remove(entity);
  }
}

/**
 * A sensor a health feed fills goes stale after three missed polls unless the blueprint gives it a bound:
 * a feed that hangs is silence, which must show, not leave the last reading standing as the truth.
 */
function feedBounds(spec: ResolvedEntity): Array<SensorDefinition<unknown>> {
  // feeds of a kind give their sensors a bound of their own (see start-feed); these are the connection checks
  return spec.feeds
    .flatMap((feed) => (isKindFeed(feed) ? [] : [feed]))
    .filter((feed) => !spec.sensors.some((s) => s.name === feed.sensor))
    .map((feed) => booleanSensor(feed.sensor, { staleAfterMs: 3 * feed.every + (feed.tcp?.timeout ?? feed.http?.timeout ?? 0) }) as SensorDefinition<unknown>);
}

/** The memberSpec with config keys replaced (a rolled-out version), when its type accepts the result. */
function withOverrides(spec: ResolvedEntity, overrides: Readonly<Record<string, unknown>> | undefined): ResolvedEntity {
  if (!overrides || Object.keys(overrides).length === 0) return spec;
  const rawConfig = { ...spec.rawConfig, ...overrides };
  const parsed = spec.type.config.safeParse(rawConfig);
  return parsed.success ? { ...spec, rawConfig, config: parsed.data } : spec;
}
