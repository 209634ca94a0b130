import type { Entity } from '../entity.js';
import type { EntityTree } from '../entity-tree.js';
import { HomeostatError, ValidationError, describeError } from '../errors.js';
import type { AnyPolicyDefinition, EffectorRequirement, SensorRequirement } from '../../policies/define-policy.js';
import { describeActingScope, withinActingScope, type ActingScope } from './acting-scope.js';
import { quorumRuleOf } from '../quorum-rules.js';
import { SCALING_POLICIES, scalingFloorBelowQuorum } from '../scaling-floor.js';

/** An entity a policy's config names, with where in the config it is named. */
export interface ConfigReference {
  readonly entity: Entity;
  /** `config.runbook.0.entity`: where the config names it. */
  readonly where: string;
}

/** What checking a config against the live tree found: problems (the config cannot run) and the entities it names. */
export interface ConfigCheck {
  readonly problems: string[];
  readonly references: ConfigReference[];
}

const whereOf = (path: ReadonlyArray<string | number> | undefined): string => (path && path.length > 0 ? `config.${path.join('.')}` : 'config');

/** Calls a requirement hook of the policy (user code for policy modules): a throw is a problem, not a crash. */
function requirements<R>(name: string, hook: ((config: never) => readonly R[]) | undefined, config: unknown, problems: string[]): readonly R[] {
  if (!hook) return [];
  try {
    return hook(config as never);
  } catch (error) {
    problems.push(`${name} threw: ${describeError(error)}`);
    return [];
  }
}

/** The entities an effector requirement points at, from the policy's entity (named, itself, its children or members). */
function effectorTargets(self: Entity, requirement: EffectorRequirement, tree: EntityTree): Entity[] {
  if (requirement.entity !== undefined) return tree.find(requirement.entity) ? [tree.find(requirement.entity) as Entity] : [];
  const on = requirement.on ?? 'self';
  if (on === 'self') return [self];
  const sources = on === 'children' ? self.children : self.members;
  return requirement.ifSensor === undefined ? [...sources] : sources.filter((s) => s.hasSensor(requirement.ifSensor as string));
}

/**
 * Checks a validated config against the live tree, as blueprint validation checks it against the blueprint:
 * every entity it names exists, and has the effectors the policy will invoke on it and the sensors the policy
 * reads of it (its own, or a named entity's). Members and children are those of the moment: a group that
 * grows later gets members of its member spec, which validation checked when the blueprint was loaded.
 */
export function checkConfigReferences(tree: EntityTree, self: Entity, definition: AnyPolicyDefinition, config: unknown): ConfigCheck {
  const problems: string[] = [];
  const references: ConfigReference[] = [];
  const named = (entity: string, path: ReadonlyArray<string | number> | undefined): Entity | undefined => {
    const found = tree.find(entity);
    if (!found) problems.push(`${whereOf(path)} names entity '${entity}', which is not in the tree`);
    else references.push({ entity: found, where: whereOf(path) });
    return found;
  };
  for (const ref of requirements('requiresEntities', definition.requiresEntities, config, problems)) {
    const entity = named(ref.entity, ref.configPath);
    if (entity && ref.sensor !== undefined && !entity.hasSensor(ref.sensor)) problems.push(`${whereOf(ref.configPath)}: '${entity.id}' has no sensor '${ref.sensor}'`);
  }
  for (const requirement of requirements<EffectorRequirement>('requiresEffectors', definition.requiresEffectors, config, problems)) {
    if (requirement.entity !== undefined && !named(requirement.entity, requirement.configPath)) continue;
    for (const target of effectorTargets(self, requirement, tree)) {
      if (target.hasEffector(requirement.effector)) continue;
      const has = target.effectors.map((e) => e.name).sort().join(', ');
      problems.push(`${whereOf(requirement.configPath)}: the policy invokes effector '${requirement.effector}' on '${target.id}', which does not have it (it has: ${has})`);
    }
  }
  const floor = scalingFloorProblem(self, definition, config);
  if (floor !== undefined) problems.push(floor);
  for (const requirement of requirements<SensorRequirement>('requires', definition.requires, config, problems)) {
    // sensors of children and members come and go with them; those of the entity itself and of named ones are here now
    const entity = requirement.entity !== undefined ? named(requirement.entity, requirement.configPath) : requirement.on === 'self' ? self : undefined;
    if (entity && !entity.hasSensor(requirement.sensor)) problems.push(`${whereOf(requirement.configPath)}: the policy reads sensor '${requirement.sensor}' of '${entity.id}', which does not have it`);
  }
  return { problems, references };
}

/**
 * A built-in scaler's `min` below its group's quorum rule `at least n of members up`, as validation refuses it
 * in a blueprint: a config changed at run time (the API's PUT config) could otherwise lower the floor under the
 * rule, and the group would then be taken down by scaling.
 */
function scalingFloorProblem(self: Entity, definition: AnyPolicyDefinition, config: unknown): string | undefined {
  if (!SCALING_POLICIES.has(definition.name)) return undefined;
  const quorum = quorumRuleOf(self);
  if (quorum?.from !== 'members' || quorum.rule.rule !== 'atLeast') return undefined;
  const min = (config as { min?: unknown } | undefined)?.min;
  if (typeof min !== 'number' || min >= quorum.rule.n) return undefined;
  return `config.min: ${scalingFloorBelowQuorum(definition.name, `'${self.id}'`, min, quorum.rule.n, false)}`;
}

/** The references of `check` that lie outside `scope`, each as `config.x names 'id'`. */
export function referencesOutside(tree: EntityTree, scope: ActingScope, references: readonly ConfigReference[]): string[] {
  return references.filter((r) => !withinActingScope(tree, scope, r.entity)).map((r) => `${r.where} names '${r.entity.id}', outside ${describeActingScope(scope)}`);
}

/**
 * Checks a new config of the policy `attachment` before it replaces the old one: the entities, effectors and
 * sensors it names are in the tree, and, for a caller limited to `scope`, every entity it names is inside it
 * (a tenant's admin cannot point its policy's runbook at another tenant's group).
 * @throws ValidationError naming each problem; HomeostatError E_OUT_OF_SCOPE naming each entity outside
 */
export function checkReconfiguration(tree: EntityTree, policyId: string, self: Entity, definition: AnyPolicyDefinition, config: unknown, scope: ActingScope | undefined): void {
  const { problems, references } = checkConfigReferences(tree, self, definition, config);
  if (problems.length > 0) throw new ValidationError(`policy '${policyId}' config`, [...new Set(problems)]);
  if (!scope) return;
  const outside = [...new Set(referencesOutside(tree, scope, references))];
  if (outside.length > 0) throw new HomeostatError('E_OUT_OF_SCOPE', `policy '${policyId}': the new config acts outside your scope: ${outside.join('; ')}`);
}
