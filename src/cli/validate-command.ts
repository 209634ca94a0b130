import { BlueprintError, formatProblem } from '../blueprint/problems.js';
import { loadBlueprint } from '../blueprint/load.js';
import type { Blueprint } from '../blueprint/resolved.js';
import { allNodes } from '../blueprint/cross-checks.js';
import { describeError } from '../core/errors.js';

/** Output streams, injectable for tests. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Loads a blueprint, printing every problem as `<file>:<line>:<col>: <message>`; undefined when invalid. */
export async function loadOrReport(file: string, io: Io): Promise<Blueprint | undefined> {
  try {
    return await loadBlueprint(file);
  } catch (error) {
    if (error instanceof BlueprintError) for (const problem of error.problems) io.err(formatProblem(problem));
    else io.err(`${file}:1:1: ${describeError(error)}`);
    return undefined;
  }
}

/** `homeostat validate <blueprint>`: exit 0 when valid, 1 with every problem on stderr. */
export async function validateCommand(file: string, io: Io): Promise<number> {
  const blueprint = await loadOrReport(file, io);
  if (!blueprint) return 1;
  const nodes = [...allNodes(blueprint.root)];
  const policies = nodes.reduce((n, node) => n + node.policies.length, 0);
  io.out(`${file}: valid blueprint '${blueprint.name}' (${nodes.filter((n) => n.id).length} entities, ${policies} policies)`);
  return 0;
}
