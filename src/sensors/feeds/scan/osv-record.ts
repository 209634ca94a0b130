import { z } from 'zod';
import { normaliseEcosystem, normaliseSeverity, type AffectedRange, type Finding } from './finding.js';
import { ScanReportError, issueLines } from './scan-report-error.js';

const osvEvent = z.looseObject({ introduced: z.string().optional(), fixed: z.string().optional(), last_affected: z.string().optional(), limit: z.string().optional() });
const osvAffected = z.looseObject({
  package: z.looseObject({ ecosystem: z.string().min(1), name: z.string().min(1) }),
  ranges: z.array(z.looseObject({ type: z.string(), events: z.array(osvEvent) })).optional(),
  versions: z.array(z.string()).optional(),
  database_specific: z.looseObject({ severity: z.string().optional() }).optional(),
});

/** Schema of one OSV record (schema 1.x), as far as findings go. */
export const osvRecordSchema = z.looseObject({
  id: z.string().min(1),
  aliases: z.array(z.string()).nullish(),
  summary: z.string().optional(),
  affected: z.array(osvAffected).default([]),
  database_specific: z.looseObject({ severity: z.string().optional() }).optional(),
});

/** One OSV record. */
export type OsvRecord = z.output<typeof osvRecordSchema>;

/**
 * Findings of one OSV record: one per affected package, with its ranges read event by event (`introduced`
 * opens a range; `fixed` or `last_affected` closes it; GIT ranges name commits and are left out). The
 * severity is the database's word (GitHub's `MODERATE` is MEDIUM); a record with none is UNKNOWN.
 */
export function findingsOfOsvRecord(record: OsvRecord): Finding[] {
  return record.affected.map((affected) => {
    const ranges = (affected.ranges ?? []).filter((r) => r.type !== 'GIT').flatMap((r) => rangesOf(r.events));
    return {
      id: record.id,
      aliases: record.aliases ?? [],
      package: affected.package.name,
      ecosystem: normaliseEcosystem(affected.package.ecosystem),
      fixedVersions: ranges.flatMap((r) => (r.fixed === undefined ? [] : [r.fixed])),
      ranges,
      severity: normaliseSeverity(affected.database_specific?.severity ?? record.database_specific?.severity),
      ...(record.summary === undefined ? {} : { title: record.summary }),
      source: 'osv',
    };
  });
}

function rangesOf(events: ReadonlyArray<z.output<typeof osvEvent>>): AffectedRange[] {
  const ranges: AffectedRange[] = [];
  let open: string | undefined;
  for (const event of events) {
    if (event.introduced !== undefined) open = event.introduced;
    else if (open !== undefined && (event.fixed !== undefined || event.last_affected !== undefined)) {
      ranges.push({ introduced: open, ...(event.fixed === undefined ? {} : { fixed: event.fixed }), ...(event.last_affected === undefined ? {} : { lastAffected: event.last_affected }) });
      open = undefined;
    }
  }
  if (open !== undefined) ranges.push({ introduced: open });
  return ranges;
}

// osv-scanner's JSON output (`osv-scanner --format json`): results, packages, their vulnerabilities (OSV records)
const osvScannerOutput = z.looseObject({
  results: z.array(z.looseObject({ packages: z.array(z.looseObject({ vulnerabilities: z.array(z.unknown()).nullish() })).nullish() })),
});

/**
 * Findings of OSV data: one record, a list of records, an OSV API answer (`{ vulns: [...] }`) or
 * osv-scanner's JSON output (`{ results: [{ packages: [{ vulnerabilities: [...] }] }] }`).
 * @throws ScanReportError naming the record and the path of each field that is wrong
 */
export function parseOsv(doc: unknown): Finding[] {
  const records = osvRecordsOf(doc);
  return records.flatMap((raw, index) => {
    const parsed = osvRecordSchema.safeParse(raw);
    if (!parsed.success) throw new ScanReportError('OSV', issueLines(parsed.error.issues).map((line) => `record ${index}: ${line}`));
    return findingsOfOsvRecord(parsed.data);
  });
}

function osvRecordsOf(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc;
  if (typeof doc === 'object' && doc !== null) {
    if ('vulns' in doc) return Array.isArray(doc.vulns) ? doc.vulns : [];
    const scanner = osvScannerOutput.safeParse(doc);
    if (scanner.success) return scanner.data.results.flatMap((r) => (r.packages ?? []).flatMap((p) => p.vulnerabilities ?? []));
  }
  return [doc];
}

/** True when the document looks like OSV data. */
export function isOsv(doc: unknown): boolean {
  if (Array.isArray(doc)) return doc.every((d) => typeof d === 'object' && d !== null && 'id' in d);
  return typeof doc === 'object' && doc !== null && ('vulns' in doc || 'results' in doc || ('id' in doc && ('affected' in doc || 'modified' in doc)));
}
