import { z } from 'zod';

/** Severities of a finding, as scanners grade them (Grype's `Negligible` is LOW, GitHub's `MODERATE` is MEDIUM). */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;

/** One severity. */
export type Severity = (typeof SEVERITIES)[number];

/** An affected range (OSV): versions from `introduced` (inclusive) to `fixed` (exclusive) or `lastAffected` (inclusive). */
export const affectedRangeSchema = z.strictObject({
  introduced: z.string().min(1).optional(),
  fixed: z.string().min(1).optional(),
  lastAffected: z.string().min(1).optional(),
});

/** An affected range. */
export type AffectedRange = z.infer<typeof affectedRangeSchema>;

/**
 * One vulnerability in one package, from any scanner format: the advisory id (and aliases), the package and
 * its ecosystem (`npm`, `deb`, or the scanner's own name lowercased), the installed version the scanner saw
 * (Trivy, Grype), the versions that fix it, the affected ranges (OSV), and the severity.
 */
export const findingSchema = z.strictObject({
  id: z.string().min(1),
  aliases: z.array(z.string()).default([]),
  package: z.string().min(1),
  ecosystem: z.string().min(1),
  installedVersion: z.string().min(1).optional(),
  fixedVersions: z.array(z.string().min(1)).default([]),
  ranges: z.array(affectedRangeSchema).optional(),
  severity: z.enum(SEVERITIES),
  title: z.string().optional(),
  /** Which report format it came from: `trivy`, `grype` or `osv`. */
  source: z.string().min(1),
});

/** A finding. */
export type Finding = z.output<typeof findingSchema>;

/** The value of a findings sensor: every finding of the latest report. */
export const findingsSchema = z.array(findingSchema);

/** Severity as scanners write it, normalised; an unknown word is UNKNOWN. */
export function normaliseSeverity(raw: unknown): Severity {
  const word = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
  if (word === 'MODERATE') return 'MEDIUM';
  if (word === 'NEGLIGIBLE') return 'LOW';
  return (SEVERITIES as readonly string[]).includes(word) ? (word as Severity) : 'UNKNOWN';
}

/**
 * The ecosystem a scanner's package type or OSV ecosystem names: `npm` for Node packages (Trivy `node-pkg`,
 * `npm`, `yarn`, `pnpm`; Grype `npm`; OSV `npm`), `deb` for Debian and Ubuntu packages (Trivy `debian`,
 * `ubuntu`; Grype `deb`; OSV `Debian:12`), else the name lowercased without its release (`PyPI` -> `pypi`).
 */
export function normaliseEcosystem(raw: string): string {
  const name = (raw.split(':')[0] ?? raw).trim().toLowerCase();
  if (['node-pkg', 'npm', 'yarn', 'pnpm', 'bun', 'javascript'].includes(name)) return 'npm';
  if (['debian', 'ubuntu', 'deb', 'dpkg'].includes(name)) return 'deb';
  return name;
}
