import { parsePolicyConfigSafely } from './policy-hooks.js';
import { MAX_GROUP_SIZE } from '../core/limits.js';
import { SCALING_POLICIES, scalingFloorBelowQuorum } from '../core/scaling-floor.js';
import { allNodes } from './cross-checks.js';
import type { PathProblem } from './node-validator.js';
import type { ResolvedEntity } from './resolved.js';

/**
 * The most children or members a node can ever count for its quorum. Children are fixed by the blueprint;
 * members are those listed, plus, when the node has a memberSpec, as many as a resize may create (members
 * can grow, so the bound is the largest group size).
 */
export function maxQuorumSources(node: ResolvedEntity, from: 'children' | 'members'): { max: number; why: string } {
  if (from === 'children') return { max: node.children.length, why: `${node.children.length} ${node.children.length === 1 ? 'child' : 'children'}` };
  if (node.memberSpec) return { max: MAX_GROUP_SIZE, why: 'members built from its memberSpec' };
  const listed = node.members.length;
  return { max: listed, why: listed === 0 ? 'no members and no memberSpec' : `${listed} member${listed === 1 ? '' : 's'} (${node.members.join(', ')}) and no memberSpec to grow from` };
}

/**
 * Refuses a declared quorum that can never hold: `atLeast n` over fewer than n possible children or members,
 * or any rule over a set that is always empty (the entity would be down forever and its parent's policies
 * would act on it). Default quorums of entity types are left alone.
 */
export function quorumProblems(root: ResolvedEntity): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const node of allNodes(root)) {
    const quorum = node.quorum;
    // a declared quorum is a new object; a type's default is shared (and a safe choice for that type)
    if (!quorum || quorum === node.type.defaultQuorum) continue;
    const needed = quorum.rule === 'atLeast' ? quorum.n : 1;
    const { max, why } = maxQuorumSources(node, quorum.from);
    if (max >= needed) continue;
    const rule = quorum.rule === 'atLeast' ? `at least ${quorum.n}` : quorum.rule === 'fraction' ? `a fraction ${quorum.value}` : quorum.rule === 'all' ? 'all' : 'at least one';
    const who = node.id ? `'${node.id}'` : 'the member spec';
    problems.push({
      path: [...node.path, 'quorum', quorum.rule === 'atLeast' ? 'n' : 'from'],
      message: `quorum '${rule} of ${quorum.from} up' can never hold: ${who} has ${why}`,
    });
  }
  return problems;
}


/**
 * Refuses a scaling floor below the group's own quorum: a policy on a group whose rule is `atLeast n` of its
 * members that may shrink it to `min` < n members (the autoscaler's `min`, default 1) would take the group
 * down by scaling it, and policies above it (a site's disaster recovery) would then act on a group that is
 * only small. `initialSize` below n is left alone: a group that starts below its rule is down until it grows,
 * which its policies see.
 */
export function scalingFloorProblems(root: ResolvedEntity): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const node of allNodes(root)) {
    const quorum = node.quorum;
    if (!quorum || quorum.from !== 'members' || quorum.rule !== 'atLeast' || !node.memberSpec) continue;
    for (const policy of node.policies) {
      if (!SCALING_POLICIES.has(policy.definition.name)) continue;
      const parsed = parsePolicyConfigSafely(policy.definition, policy.config);
      if (!('data' in parsed)) continue;
      const min = (parsed.data as { min?: unknown }).min;
      if (typeof min !== 'number' || min >= quorum.n) continue;
      const who = node.id ? `'${node.id}'` : 'the member spec';
      problems.push({
        path: [...node.path, 'policies', policy.index, 'config', 'min'],
        message: scalingFloorBelowQuorum(policy.definition.name, who, min, quorum.n, policy.config['min'] === undefined),
      });
    }
  }
  return problems;
}
