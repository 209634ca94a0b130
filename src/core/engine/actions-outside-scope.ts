import type { EntityTree } from '../entity-tree.js';
import type { Plan } from '../../policies/define-policy.js';
import { describeActingScope, withinActingScope, type ActingScope } from './acting-scope.js';

/**
 * Why a plan may not run under its policy's acting scope (see `ActingScope`): the entities its actions (or
 * their compensations) act on that lie outside it, as a decision's detail; undefined when every one is
 * inside. An entity not in the tree is left to the execution, which reports it as it does for any policy.
 */
export function actionsOutsideScope(tree: EntityTree, scope: ActingScope, plan: Plan): string | undefined {
  const outside = new Set<string>();
  const visit = (id: string): void => {
    const entity = tree.find(id);
    if (entity && !withinActingScope(tree, scope, entity)) outside.add(id);
  };
  for (const action of plan.actions) {
    visit(action.entity);
    if (action.compensate) visit(action.compensate.entity);
  }
  if (outside.size === 0) return undefined;
  const names = [...outside].map((id) => `'${id}'`).join(', ');
  return `the plan acts on ${names}, outside the scope its config was set in (${describeActingScope(scope)}): only a caller whose scope holds ${outside.size === 1 ? 'it' : 'them'} may configure this policy to act there`;
}
