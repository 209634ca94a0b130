import { parsePolicyConfigSafely, callPolicyHook } from './policy-hooks.js';
import { escalateEffector, setFloorEffector } from '../core/standard-effectors.js';
import type { EffectorRequirement } from '../policies/define-policy.js';
import { allNodes, sensorsOf } from './cross-checks.js';
import type { PathProblem } from './node-validator.js';
import type { DocPath } from './positions.js';
import type { ResolvedEntity, ResolvedPolicy } from './resolved.js';

/**
 * Effectors an entity built from this node will have: the standard `escalate` and `setFloor`, those its type declares
 * (`EntityType.effectors`) and those the blueprint declares on it (`effectors:`).
 */
export function effectorsOf(node: ResolvedEntity): Set<string> {
  return new Set([escalateEffector.name, setFloorEffector.name, ...(node.type.effectors ?? []), ...(node.effectors ?? []).map((e) => e.name)]);
}

function label(node: ResolvedEntity): string {
  return node.id ? `'${node.id}'` : `the member spec (type ${node.type.name})`;
}

/** The nodes a requirement points at, from the node of the policy that declares it. */
function targetsOf(node: ResolvedEntity, requirement: EffectorRequirement, byId: ReadonlyMap<string, ResolvedEntity>): ResolvedEntity[] {
  if (requirement.entity !== undefined) return byId.has(requirement.entity) ? [byId.get(requirement.entity) as ResolvedEntity] : [];
  const on = requirement.on ?? 'self';
  if (on === 'self') return [node];
  const sources = on === 'children' ? [...node.children] : node.members.flatMap((m) => byId.get(m) ?? []);
  if (on === 'members' && node.memberSpec) sources.push(node.memberSpec);
  return requirement.ifSensor === undefined ? sources : sources.filter((s) => sensorsOf(s).has(requirement.ifSensor as string));
}

function checkPolicy(node: ResolvedEntity, policy: ResolvedPolicy, byId: ReadonlyMap<string, ResolvedEntity>): PathProblem[] {
  if (!policy.definition.requiresEffectors) return [];
  const { requiresEffectors } = policy.definition;
  const parsed = parsePolicyConfigSafely(policy.definition, policy.config);
  if (!('data' in parsed)) return [];
  const problems: PathProblem[] = [];
  // a user module's hook is user code: report it at the policy rather than abort validation
  const required = callPolicyHook(policy.definition, 'requiresEffectors', () => requiresEffectors(parsed.data));
  if ('problem' in required) return [{ path: [...node.path, 'policies', policy.index], message: required.problem }];
  const requirements: readonly EffectorRequirement[] = required.value;
  for (const requirement of requirements) {
    const at: DocPath = [...node.path, 'policies', policy.index, ...(requirement.configPath ? ['config', ...requirement.configPath] : [])];
    for (const target of targetsOf(node, requirement, byId)) {
      const available = effectorsOf(target);
      if (available.has(requirement.effector)) continue;
      problems.push({
        path: at,
        message: `policy '${policy.definition.name}' invokes effector '${requirement.effector}' on ${label(target)}, which does not have it (it has: ${[...available].sort().join(', ')})`,
      });
    }
  }
  return problems;
}

/**
 * Checks that every effector a policy will invoke exists on its target (runbook steps, `resizeEffector`,
 * `restartEffector`...), so a plan cannot fail at run time on an effector the entity never had.
 */
export function effectorProblems(root: ResolvedEntity): PathProblem[] {
  const byId = new Map<string, ResolvedEntity>();
  for (const node of allNodes(root)) if (node.id) byId.set(node.id, node);
  return [...allNodes(root)].flatMap((node) => node.policies.flatMap((policy) => checkPolicy(node, policy, byId)));
}
