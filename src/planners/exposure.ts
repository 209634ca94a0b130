import { SEVERITIES, type Finding, type Severity } from '../sensors/feeds/scan/finding.js';
import { judgeVersion } from './versions/affected.js';
import { versionOrder } from './versions/version-order.js';
import type { EntityInventory } from './inventory.js';

/** One package of one entity that findings affect: what is installed, which findings, and the version that fixes them all. */
export interface PackageExposure {
  readonly entity: string;
  readonly package: string;
  readonly ecosystem: string;
  readonly installed: string;
  /** Ids of the findings that affect it. */
  readonly findings: readonly string[];
  /** The worst of their severities. */
  readonly severity: Severity;
  /** The lowest version that fixes every finding that has a fix; undefined when none has one. */
  readonly fixTo?: string;
  /** Findings that no version fixes yet. */
  readonly unfixed: readonly string[];
  /** Set when a version could not be judged (then `findings` lists the findings it was judged against). */
  readonly unknown?: string;
}

/** Worse first: CRITICAL < HIGH < ... in sort order. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/**
 * The exposures of the inventories to the findings: for each entity package that a finding names (same
 * name, and same ecosystem when the inventory says), the affecting findings judged by the ecosystem's
 * version order, merged into one exposure per entity package with one version that fixes them all.
 */
export function exposuresOf(findings: readonly Finding[], inventories: readonly EntityInventory[]): PackageExposure[] {
  const byPackage = new Map<string, Finding[]>();
  for (const finding of findings) byPackage.set(finding.package, [...(byPackage.get(finding.package) ?? []), finding]);
  const out: PackageExposure[] = [];
  for (const inventory of inventories) {
    for (const pkg of inventory.packages ?? []) {
      const candidates = (byPackage.get(pkg.name) ?? []).filter((f) => pkg.ecosystem === undefined || f.ecosystem === pkg.ecosystem.toLowerCase());
      const affecting: Array<{ finding: Finding; fixTo?: string }> = [];
      let unknown: string | undefined;
      for (const finding of candidates) {
        const verdict = judgeVersion(finding, pkg.version);
        if (verdict.status === 'affected') affecting.push({ finding, ...(verdict.fixTo === undefined ? {} : { fixTo: verdict.fixTo }) });
        else if (verdict.status === 'unknown') {
          unknown ??= verdict.why;
          affecting.push({ finding });
        }
      }
      if (affecting.length === 0) continue;
      const ecosystem = affecting[0]?.finding.ecosystem ?? 'unknown';
      const fixTo = highest(affecting.flatMap((a) => (a.fixTo === undefined ? [] : [a.fixTo])), ecosystem);
      out.push({
        entity: inventory.entity,
        package: pkg.name,
        ecosystem,
        installed: pkg.version,
        findings: unique(affecting.map((a) => a.finding.id)),
        severity: affecting.map((a) => a.finding.severity).sort((a, b) => severityRank(a) - severityRank(b))[0] ?? 'UNKNOWN',
        ...(fixTo === undefined || unknown !== undefined ? {} : { fixTo }),
        unfixed: unique(affecting.filter((a) => a.fixTo === undefined).map((a) => a.finding.id)),
        ...(unknown === undefined ? {} : { unknown }),
      });
    }
  }
  return out;
}

function highest(versions: readonly string[], ecosystem: string): string | undefined {
  const order = versionOrder(ecosystem);
  if (versions.length === 0) return undefined;
  if (!order) return new Set(versions).size === 1 ? versions[0] : undefined;
  return [...versions].sort((a, b) => order.compare(a, b) ?? 0)[versions.length - 1];
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
