import { isCollection, visit, type Alias, type LineCounter, type Node } from 'yaml';
import type { BlueprintProblem } from './problems.js';

/**
 * Problems of aliases that name no anchor set before them (`type: *nowhere`, or `{ a: *later, b: &later 1 }`):
 * the YAML library throws on them when the document is read as data, naming neither line nor column. Each one
 * is a problem at the alias.
 * @param targets the node each alias names (see `aliasTargets`)
 */
export function unresolvedAliasProblems(targets: ReadonlyMap<Alias, Node | undefined>, lines: LineCounter, file: string): BlueprintProblem[] {
  const problems: BlueprintProblem[] = [];
  for (const [alias, target] of targets) {
    if (target !== undefined) continue;
    const pos = lines.linePos(alias.range?.[0] ?? 0);
    problems.push({ file, line: pos.line, col: pos.col, message: `YAML: alias '*${alias.source}' names no anchor: an anchor '&${alias.source}' must be set before it` });
  }
  return problems;
}

/** True for the error the YAML library throws on a document whose aliases expand past its bound. */
export function isAliasExpansionError(error: unknown): boolean {
  return error instanceof ReferenceError && /excessive alias count/i.test(error.message);
}

/**
 * Where aliases expand a document past the YAML library's bound (which it refuses without saying where): the
 * first alias of a node that itself holds an alias (a billion laughs), else the first alias of the anchor named
 * most often. Undefined when there is no alias.
 * @param targets the node each alias names (see `aliasTargets`)
 */
export function expandingAlias(targets: ReadonlyMap<Alias, Node | undefined>, lines: LineCounter): { line: number; col: number } | undefined {
  const uses = new Map<Node, { readonly first: Alias; count: number; readonly holdsAlias: boolean }>();
  for (const [alias, target] of targets) {
    if (target === undefined) continue;
    let use = uses.get(target);
    if (use === undefined) uses.set(target, (use = { first: alias, count: 0, holdsAlias: holdsAlias(target) }));
    if (use.holdsAlias) return lines.linePos(alias.range?.[0] ?? 0);
    use.count++;
  }
  let most: { readonly first: Alias; count: number } | undefined;
  for (const use of uses.values()) if (most === undefined || use.count > most.count) most = use;
  return most === undefined ? undefined : lines.linePos(most.first.range?.[0] ?? 0);
}

function holdsAlias(node: Node): boolean {
  if (!isCollection(node)) return false;
  let held = false;
  visit(node, {
    Alias() {
      held = true;
      return visit.BREAK;
    },
  });
  return held;
}
