import { jsonNestingProblem, withoutByteOrderMark } from '../../../core/json-nesting.js';
import { parseGrypeReport, isGrypeReport } from './grype-report.js';
import { isOsv, parseOsv } from './osv-record.js';
import { ScanReportError } from './scan-report-error.js';
import { isTrivyReport, parseTrivyReport } from './trivy-report.js';
import type { Finding } from './finding.js';

/** Report formats homeostat reads. `auto` tells them apart by their top-level fields. */
export const SCAN_REPORT_FORMATS = ['auto', 'trivy', 'grype', 'osv'] as const;

/** One format. */
export type ScanReportFormat = (typeof SCAN_REPORT_FORMATS)[number];

/**
 * Findings of a scanner report, given as JSON text or as a parsed document: Trivy JSON (SchemaVersion 2),
 * Grype JSON, or OSV (records, the API's `{ vulns }`, osv-scanner output).
 * @throws ScanReportError when the text is not JSON, the format cannot be told, or the report is malformed
 */
export function parseScanReport(input: unknown, format: ScanReportFormat = 'auto'): Finding[] {
  let doc = input;
  if (typeof input === 'string') {
    const text = withoutByteOrderMark(input);
    const nesting = jsonNestingProblem(text);
    if (nesting !== undefined) throw new ScanReportError('JSON', [nesting]);
    try {
      doc = JSON.parse(text) as unknown;
    } catch (error) {
      throw new ScanReportError('JSON', [(error as Error).message]);
    }
  }
  const chosen = format === 'auto' ? detectScanReportFormat(doc) : format;
  if (chosen === 'trivy') return parseTrivyReport(doc);
  if (chosen === 'grype') return parseGrypeReport(doc);
  if (chosen === 'osv') return parseOsv(doc);
  throw new ScanReportError('scanner', ['(root): neither Trivy JSON (SchemaVersion, Results), Grype JSON (matches) nor OSV (id, affected / vulns / results): set format'] );
}

/** The format of a parsed report told by its top-level fields (Trivy, then Grype, then OSV), or undefined. */
export function detectScanReportFormat(doc: unknown): Exclude<ScanReportFormat, 'auto'> | undefined {
  if (isTrivyReport(doc)) return 'trivy';
  if (isGrypeReport(doc)) return 'grype';
  if (isOsv(doc)) return 'osv';
  return undefined;
}
