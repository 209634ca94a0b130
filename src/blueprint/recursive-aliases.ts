import { visit, type Alias, type Document, type LineCounter, type Node } from 'yaml';
import { aliasTargets } from './alias-targets.js';
import type { BlueprintProblem } from './problems.js';

/**
 * Finds aliases inside the node they name (`application: &root { children: [*root] }`). Such a document is a
 * recursive structure, not a tree: walking it never ends (a stack overflow while validating) and, where it
 * is accepted (a `config:`), it cannot be serialized when read back. Each one is a problem at the alias.
 * @param targets the node each alias names (see `aliasTargets`)
 */
export function recursiveAliasProblems(doc: Document, lines: LineCounter, file: string, targets: ReadonlyMap<Alias, Node | undefined> = aliasTargets(doc)): BlueprintProblem[] {
  const problems: BlueprintProblem[] = [];
  visit(doc, {
    Alias(_key, alias, ancestors) {
      const target = targets.get(alias);
      if (target === undefined || !ancestors.includes(target)) return;
      const pos = lines.linePos(alias.range?.[0] ?? 0);
      problems.push({ file, line: pos.line, col: pos.col, message: `YAML: alias '*${alias.source}' is inside the node it names (a recursive structure); a blueprint is a tree` });
    },
  });
  return problems;
}
