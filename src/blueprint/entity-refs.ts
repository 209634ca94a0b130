import { allNodes } from './cross-checks.js';
import type { PathProblem } from './node-validator.js';
import type { ResolvedEntity } from './resolved.js';

/**
 * Checks that every entity an entity's config names (`EntityType.requiresEntities`, e.g. the site a traffic
 * manager routes to) is declared in the blueprint; policies' references are checked with their configs.
 */
export function entityRefProblems(root: ResolvedEntity, declaredIds: ReadonlySet<string>): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const node of allNodes(root)) {
    const refs = node.type.requiresEntities;
    if (!refs || node.config === undefined) continue;
    const parsed = node.type.config.safeParse(node.rawConfig);
    if (!parsed.success) continue;
    for (const ref of refs(parsed.data)) {
      if (declaredIds.has(ref.entity)) continue;
      problems.push({ path: [...node.path, 'config', ...(ref.configPath ?? [])], message: `entity type '${node.type.name}' names entity '${ref.entity}', which is not in this blueprint` });
    }
  }
  return problems;
}
