import { allNodes } from './cross-checks.js';
import type { PathProblem } from './node-validator.js';
import type { ResolvedEntity } from './resolved.js';

/**
 * Checks memberSpec templates for what cannot work once per member: a child has a fixed id, so the second
 * member would create a second entity with that id (and the spawn fails); a budget on a template is never
 * applied (budgets belong to named entities); listed members would be shared by every member.
 */
export function memberSpecProblems(root: ResolvedEntity): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const node of allNodes(root)) {
    const spec = node.memberSpec;
    if (!spec) continue;
    const at = spec.path;
    const owner = node.id ? `'${node.id}'` : 'this member spec';
    if (spec.children.length > 0) {
      const ids = spec.children.map((c) => `'${c.id}'`).join(', ');
      problems.push({ path: [...at, 'children', 0, 'id'], message: `a memberSpec cannot have children: their ids (${ids}) are fixed, so the second member of ${owner} would create them again` });
    }
    if (spec.budget) problems.push({ path: [...at, 'budget'], message: `a budget on a memberSpec is never applied: give it to ${owner} instead` });
    if (spec.members.length > 0) problems.push({ path: [...at, 'members'], message: `a memberSpec cannot list members: every member of ${owner} would share them` });
  }
  return problems;
}
