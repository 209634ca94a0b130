import { HomeostatError } from '../../../core/errors.js';

/** A scanner report that could not be read: which format was tried, and where in the document it went wrong. */
export class ScanReportError extends HomeostatError {
  /** Each problem as `<path>: <message>`, e.g. `Results.0.Vulnerabilities.2.PkgName: expected string`. */
  readonly problems: readonly string[];
  constructor(format: string, problems: readonly string[]) {
    super('E_SCAN_REPORT', `not a readable ${format} report: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`);
    this.problems = problems;
  }
}

/** zod issues as `<path>: <message>` lines. */
export function issueLines(issues: ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>): string[] {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
}
