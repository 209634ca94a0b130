import { z } from 'zod';
import { normaliseEcosystem, normaliseSeverity, type Finding } from './finding.js';
import { ScanReportError, issueLines } from './scan-report-error.js';

// Trivy's JSON report (`trivy image --format json`, SchemaVersion 2): fields homeostat reads; others are kept out
const trivyVulnerability = z.looseObject({
  VulnerabilityID: z.string().min(1),
  PkgName: z.string().min(1),
  InstalledVersion: z.string().min(1),
  FixedVersion: z.string().optional(),
  Severity: z.string().optional(),
  Title: z.string().optional(),
});
const trivyResult = z.looseObject({
  Target: z.string(),
  Type: z.string().optional(),
  Vulnerabilities: z.array(trivyVulnerability).nullish(),
});

/** Schema of a Trivy JSON report (SchemaVersion 2), as far as findings go. */
export const trivyReportSchema = z.looseObject({
  SchemaVersion: z.number().int(),
  ArtifactName: z.string().optional(),
  Results: z.array(trivyResult).nullish(),
});

/** True when the document looks like a Trivy report (it has SchemaVersion and Results). */
export function isTrivyReport(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && 'SchemaVersion' in doc && ('Results' in doc || 'ArtifactName' in doc);
}

/**
 * Findings of a Trivy JSON report: one per vulnerability of each result. `FixedVersion` may list several
 * versions (`"4.19.2, 5.0.0-beta.3"`, one per release line); an empty one means no fix is known.
 * @throws ScanReportError naming the path of each field that is missing or of the wrong type
 */
export function parseTrivyReport(doc: unknown): Finding[] {
  const parsed = trivyReportSchema.safeParse(doc);
  if (!parsed.success) throw new ScanReportError('Trivy JSON', issueLines(parsed.error.issues));
  return (parsed.data.Results ?? []).flatMap((result) =>
    (result.Vulnerabilities ?? []).map((v) => ({
      id: v.VulnerabilityID,
      aliases: [],
      package: v.PkgName,
      ecosystem: normaliseEcosystem(result.Type ?? 'unknown'),
      installedVersion: v.InstalledVersion,
      fixedVersions: splitVersions(v.FixedVersion),
      severity: normaliseSeverity(v.Severity),
      ...(v.Title === undefined ? {} : { title: v.Title }),
      source: 'trivy',
    })),
  );
}

function splitVersions(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
