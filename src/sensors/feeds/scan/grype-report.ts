import { z } from 'zod';
import { normaliseEcosystem, normaliseSeverity, type Finding } from './finding.js';
import { ScanReportError, issueLines } from './scan-report-error.js';

// Grype's JSON report (`grype <image> -o json`): fields homeostat reads
const grypeMatch = z.looseObject({
  vulnerability: z.looseObject({
    id: z.string().min(1),
    severity: z.string().optional(),
    description: z.string().optional(),
    fix: z.looseObject({ versions: z.array(z.string()).nullish(), state: z.string().optional() }).optional(),
  }),
  relatedVulnerabilities: z.array(z.looseObject({ id: z.string() })).nullish(),
  artifact: z.looseObject({ name: z.string().min(1), version: z.string().min(1), type: z.string().min(1) }),
});

/** Schema of a Grype JSON report, as far as findings go. */
export const grypeReportSchema = z.looseObject({ matches: z.array(grypeMatch) });

/** True when the document looks like a Grype report (it has `matches` and Grype's `descriptor` or `source`). */
export function isGrypeReport(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && 'matches' in doc;
}

/**
 * Findings of a Grype JSON report: one per match, with the related vulnerabilities (the CVE of a GHSA) as
 * aliases and `fix.versions` as the fixed versions (empty when its state is `not-fixed` or `wont-fix`).
 * @throws ScanReportError naming the path of each field that is missing or of the wrong type
 */
export function parseGrypeReport(doc: unknown): Finding[] {
  const parsed = grypeReportSchema.safeParse(doc);
  if (!parsed.success) throw new ScanReportError('Grype JSON', issueLines(parsed.error.issues));
  return parsed.data.matches.map((m) => ({
    id: m.vulnerability.id,
    aliases: (m.relatedVulnerabilities ?? []).map((r) => r.id).filter((id) => id !== m.vulnerability.id),
    package: m.artifact.name,
    ecosystem: normaliseEcosystem(m.artifact.type),
    installedVersion: m.artifact.version,
    fixedVersions: m.vulnerability.fix?.state === 'fixed' || m.vulnerability.fix?.state === undefined ? (m.vulnerability.fix?.versions ?? []) : [],
    severity: normaliseSeverity(m.vulnerability.severity),
    ...(m.vulnerability.description === undefined ? {} : { title: m.vulnerability.description }),
    source: 'grype',
  }));
}
