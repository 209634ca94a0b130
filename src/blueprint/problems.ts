import { HomeostatError } from '../core/errors.js';

/** One problem in a blueprint, with its position (1-based line and column). */
export interface BlueprintProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** Formats a problem as `<file>:<line>:<col>: <message>`. */
export function formatProblem(problem: BlueprintProblem): string {
  return `${problem.file}:${problem.line}:${problem.col}: ${problem.message}`;
}

/** A blueprint that failed validation; carries every problem found, in file order. */
export class BlueprintError extends HomeostatError {
  readonly problems: readonly BlueprintProblem[];
  constructor(problems: readonly BlueprintProblem[]) {
    super('E_BLUEPRINT', `${problems.length} problem${problems.length === 1 ? '' : 's'} in the blueprint:\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
  }
}
