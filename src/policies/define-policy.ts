import type { Observable, SchedulerLike } from 'rxjs';
import type { z } from 'zod';
import type { Entity } from '../core/entity.js';
import { ValidationError } from '../core/errors.js';
import type { EntityTree } from '../core/entity-tree.js';
import type { Action, Decision, NonActionOutcome } from '../knowledge/decision.js';
import type { PolicyState } from '../knowledge/policy-state.js';
import type { Observation } from '../sensors/reading.js';

/** What analyze produces: a named condition with the readings that show it. */
export interface Symptom {
  /** e.g. `above`, `below`, `down`, `scale`. */
  readonly kind: string;
  /** The readings that led to this symptom; a Decision lists them as its inputs. */
  readonly inputs: readonly Observation[];
  readonly detail?: Readonly<Record<string, unknown>>;
}

/**
 * What plan produces: actions and the reason, a plain value. The engine alone executes it. A plan with no
 * actions is a decision to do nothing, recorded with its reason (e.g. "holding: the metric is missing");
 * return undefined instead when there is nothing worth recording.
 */
export interface Plan {
  readonly actions: readonly Action[];
  /** One sentence a person can read: why these actions. */
  readonly reason: string;
  /**
   * A cooldown of its own for this kind of plan (e.g. `{ key: 'down', ms: 300_000 }`): after such a plan is
   * applied, further plans with the same key are skipped until it passes, besides the policy's cooldown.
   */
  readonly cooldown?: { readonly key: string; readonly ms: number };
  /**
   * The subtree this plan holds while it runs (an entity id; default the policy's entity): plans of other
   * policies inside it, or acting on it, are preempted until it finishes.
   */
  readonly scope?: string;
  /**
   * For a plan with no actions: which kind of non-action it is (default `no_action`). `blocked` and
   * `refused` tell the operator that the loop wanted to act and could not.
   */
  readonly nonAction?: NonActionOutcome;
  /**
   * The entities this plan is about (ids), for "newest plan wins": a newer plan of the same policy replaces
   * a waiting one (`superseded`) only when their targets overlap (the same entity, or one inside the
   * other); plans about other targets wait their turn and run. Default: the entities its actions act on.
   * Set it when an action on a group concerns one member (e.g. `replaceMember` on a cluster: the member).
   */
  readonly targets?: readonly string[];
  /**
   * Sensor values the plan was made on and must still read when it starts executing (e.g. the group's size
   * for a resize: a plan that waited behind another resize is then out of date). A mismatch is recorded as
   * `rejected_stale` and nothing runs. Compared with `===` on the sensor's current value.
   */
  readonly expect?: ReadonlyArray<{ readonly entity: string; readonly sensor: string; readonly value: number | string | boolean }>;
}

/** What every phase of a policy sees. */
export interface PolicyContext<C> {
  /** Policy instance id, unique in the tree (e.g. `web/autoscaler`). */
  readonly policyId: string;
  /** The entity the policy is attached to. */
  readonly entity: Entity;
  readonly tree: EntityTree;
  /** The validated config. */
  readonly config: C;
  /** The only clock a policy may use. */
  readonly scheduler: SchedulerLike;
  /** Persistent state: survives a restart of the service. */
  readonly state: PolicyState;
}

/** A sensor a policy needs, for blueprint validation: on its own entity, or on every child or member. */
export interface SensorRequirement {
  readonly on: 'self' | 'children' | 'members';
  readonly sensor: string;
  /** A named entity instead (e.g. the entity a runbook step checks); `on` is then ignored. */
  readonly entity?: string;
  /** Config path of the setting that names the sensor, for error positions (e.g. `['metrics', 0, 'sensor']`). */
  readonly configPath?: readonly (string | number)[];
}

/**
 * An effector a policy invokes, for blueprint validation: on its own entity (the default), on every child
 * or member, or on a named entity.
 */
export interface EffectorRequirement {
  readonly effector: string;
  /** Whose effector: the policy's entity (`self`, default), each child, or each member. Ignored with `entity`. */
  readonly on?: 'self' | 'children' | 'members';
  /** A named entity (e.g. a runbook step's target). */
  readonly entity?: string;
  /** With `children`/`members`: only those that have this sensor (e.g. `role`: the databases of a group). */
  readonly ifSensor?: string;
  /** Config path of the setting that names the effector, for error positions. */
  readonly configPath?: ReadonlyArray<string | number>;
}

/** A policy: monitor -> analyze -> plan over a config validated by its schema. */
export interface PolicyDefinition<C = unknown, O = unknown, S extends Symptom = Symptom> {
  /** Name used in blueprints and as the metrics label, e.g. `autoscaler`. */
  readonly name: string;
  readonly description?: string;
  /** Schema of the config; blueprints and the API validate against it. */
  readonly config: z.ZodType<C>;
  /** Selects the sensor streams to watch. */
  monitor(context: PolicyContext<C>): Observable<O>;
  /**
   * Turns observations into symptoms (windows, thresholds, stabilization...): an RxJS operator over the
   * monitored stream, e.g. `(source, { config }) => source.pipe(threshold({ above: config.high }))`.
   */
  analyze(source: Observable<O>, context: PolicyContext<C>): Observable<S>;
  /**
   * Turns a symptom into a plan, or undefined when nothing should be done. Pure, deterministic and
   * synchronous: a returned Promise, or a value that is not a plan, is a fault (the policy is restarted).
   */
  plan(symptom: S, context: PolicyContext<C>): Plan | undefined;
  /**
   * Learns from the outcome of each of its own plans (e.g. count restarts that were applied, not merely
   * planned). May update `context.state`; must not have other side effects.
   */
  observe?(decision: Decision, context: PolicyContext<C>): void;
  /** Sensors the policy needs, so that a blueprint naming a missing sensor is refused before it runs. */
  requires?(config: C): readonly SensorRequirement[];
  /**
   * Entities the config names (runbook steps, a watched site, guards), checked to exist by blueprint
   * validation; with `sensor`, the entity must also have that sensor (a `when:` guard reads it).
   */
  requiresEntities?(config: C): ReadonlyArray<{ readonly entity: string; readonly sensor?: string; readonly configPath?: ReadonlyArray<string | number> }>;
  /** Effectors the policy invokes, so that a blueprint naming one its target lacks is refused before it runs. */
  requiresEffectors?(config: C): readonly EffectorRequirement[];
}

/** A policy of any config and symptom types, for registries and attachments. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPolicyDefinition = PolicyDefinition<any, any, any>;

/**
 * Declares a policy. A policy module's default export is the value this returns. The definition is
 * checked here, so that a module written in plain JavaScript (or cast) fails when it loads, saying what is
 * wrong, rather than at its first reading.
 * @throws ValidationError (E_VALIDATION) listing every problem: a name that is not a simple identifier, a
 * config that is not a zod schema, monitor/analyze/plan that are not functions, optional hooks that are
 * not functions
 */
export function definePolicy<C, O, S extends Symptom>(definition: PolicyDefinition<C, O, S>): PolicyDefinition<C, O, S> {
  const d = definition as unknown as Record<string, unknown> | null | undefined;
  if (typeof d !== 'object' || d === null) throw new ValidationError('definePolicy', ['expects an object { name, config, monitor, analyze, plan }']);
  const name = typeof d['name'] === 'string' ? d['name'] : undefined;
  const problems: string[] = [];
  if (name === undefined || !/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(name)) problems.push(`name ${JSON.stringify(d['name']) ?? 'undefined'} must start with a letter and hold letters, digits, '_' or '-'`);
  // a zod 4 schema (of any copy of zod, so not instanceof) carries `_zod`; a look-alike with only `safeParse`
  // would fail later, at attachment, with a TypeError naming no policy
  const config = d['config'] as { safeParse?: unknown; _zod?: unknown } | undefined;
  if (typeof config?.safeParse !== 'function' || typeof config._zod !== 'object' || config._zod === null) problems.push('config must be a zod schema (e.g. z.object({}))');
  for (const key of ['monitor', 'analyze', 'plan']) if (typeof d[key] !== 'function') problems.push(`${key} must be a function`);
  for (const key of ['observe', 'requires', 'requiresEntities']) if (d[key] !== undefined && typeof d[key] !== 'function') problems.push(`${key} must be a function when given`);
  if (problems.length > 0) throw new ValidationError(`policy ${name === undefined ? '' : `'${name}'`}`.trim(), problems);
  return Object.freeze({ ...definition });
}
