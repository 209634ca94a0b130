import type { PathProblem } from './node-validator.js';
import type { ResolvedEntity } from './resolved.js';

/**
 * Checks `shard: true` marks: the root is always a shard of its own, and a memberSpec cannot be one (members
 * come and go at run time, while the shards, one lease each, are fixed when the instances start).
 */
export function shardProblems(root: ResolvedEntity): PathProblem[] {
  const problems: PathProblem[] = [];
  if (root.shard) problems.push({ path: [...root.path, 'shard'], message: "the root entity is always a shard of its own: 'shard: true' marks a subtree below it" });
  const visit = (node: ResolvedEntity): void => {
    const spec = node.memberSpec;
    if (spec?.shard) problems.push({ path: [...spec.path, 'shard'], message: `a memberSpec cannot be a shard: members of '${node.id}' come and go at run time, while shards (one lease each) are fixed when the instances start; mark '${node.id}' instead` });
    if (spec) visit(spec);
    for (const child of node.children) visit(child);
  };
  visit(root);
  return problems;
}

/**
 * The shards of a blueprint (`--shards`), parents before children: the root's own, each top-level subtree,
 * and each subtree marked `shard: true` at any depth. An entity belongs to the nearest of them at or above it.
 */
export function shardRoots(root: ResolvedEntity): string[] {
  const shards = [root.id];
  const visit = (node: ResolvedEntity, depth: number): void => {
    if (depth === 1 || (depth > 1 && node.shard)) shards.push(node.id);
    for (const child of node.children) visit(child, depth + 1);
  };
  visit(root, 0);
  return shards;
}
