import { allNodes } from './cross-checks.js';
import type { PathProblem } from './node-validator.js';
import type { DocPath } from './positions.js';
import type { ResolvedEntity, ResolvedPolicy } from './resolved.js';

/**
 * The id a policy gets when the blueprint is deployed: its `id` as written, or `<entity>/<policy name>`.
 * On a memberSpec the id is per member (`<member>/<id or name>`), so only the part after the member counts.
 */
export function effectivePolicyId(node: ResolvedEntity, policy: ResolvedPolicy): string {
  if (!node.id) return `<member>/${policy.id ?? policy.definition.name}`;
  return policy.id ?? `${node.id}/${policy.definition.name}`;
}

/**
 * Finds policies that would get the same id (the engine refuses the second one when the blueprint runs):
 * two of the same built-in on one entity without ids, or an `id` written twice. `lineOf` turns a document
 * path into its line, so the message can say where the first one is.
 */
export function duplicatePolicyIds(root: ResolvedEntity, lineOf: (path: DocPath) => number): PathProblem[] {
  const problems: PathProblem[] = [];
  const seen = new Map<string, DocPath>();
  for (const node of allNodes(root)) {
    // a memberSpec's ids are per member: compare them within the template only
    const scope = node.id ? seen : new Map<string, DocPath>();
    for (const policy of node.policies) {
      const id = effectivePolicyId(node, policy);
      const at: DocPath = [...node.path, 'policies', policy.index];
      const first = scope.get(id);
      if (first === undefined) {
        scope.set(id, at);
        continue;
      }
      const shown = id.replace('<member>/', '');
      const fix = policy.id === undefined ? `give one of them an 'id' of its own` : `give each an 'id' of its own`;
      problems.push({
        path: policy.id === undefined ? at : [...at, 'id'],
        message: `duplicate policy id '${shown}': the policy at line ${lineOf(first)} has it too (${fix})`,
      });
    }
  }
  return problems;
}
