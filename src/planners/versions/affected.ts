import type { AffectedRange, Finding } from '../../sensors/feeds/scan/finding.js';
import { versionOrder, type VersionOrder } from './version-order.js';

/**
 * Whether an installed version is affected by a finding: `affected` with the version to move to (`fixTo`,
 * absent when no fix is known), `fixed`, or `unknown` with why (a version the ecosystem's order cannot read).
 */
export type VersionVerdict =
  | { readonly status: 'affected'; readonly fixTo?: string }
  | { readonly status: 'fixed' }
  | { readonly status: 'unknown'; readonly why: string };

/**
 * Judges `installed` against a finding with the ecosystem's own order (semver for npm, dpkg for deb).
 * - With OSV ranges: affected when inside a range (`introduced` <= v < `fixed`, or <= `lastAffected`).
 * - With fixed versions (Trivy, Grype): fixed when a fixed version on its release line (same semver major;
 *   any for deb), or the newest fixed version, is <= v; the fix is the lowest fixed version above v on its
 *   line, else the lowest above v.
 * - With neither: affected when v is the version the scanner saw (no fix known).
 * For an ecosystem without an order, only the version the scanner saw can be matched, by equality.
 */
export function judgeVersion(finding: Finding, installed: string): VersionVerdict {
  const order = versionOrder(finding.ecosystem);
  if (!order) return judgeByEquality(finding, installed);
  if (order.compare(installed, installed) === undefined) return { status: 'unknown', why: `'${installed}' is not a ${finding.ecosystem} version` };
  if (finding.ranges !== undefined && finding.ranges.length > 0) return judgeByRanges(finding.ranges, installed, order, finding.ecosystem);
  if (finding.fixedVersions.length === 0) {
    if (finding.installedVersion === undefined || order.compare(installed, finding.installedVersion) === 0) return { status: 'affected' };
    return { status: 'fixed' };
  }
  return judgeByFixes(finding.fixedVersions, installed, order);
}

function judgeByFixes(fixes: readonly string[], installed: string, order: VersionOrder): VersionVerdict {
  const readable = fixes.filter((f) => order.compare(f, f) !== undefined).sort((a, b) => order.compare(a, b) ?? 0);
  const newest = readable[readable.length - 1];
  const line = order.line(installed);
  const fixedBy = readable.find((f) => (order.compare(f, installed) ?? 1) <= 0 && (order.line(f) === line || f === newest));
  if (fixedBy !== undefined) return { status: 'fixed' };
  const above = readable.filter((f) => (order.compare(f, installed) ?? -1) > 0);
  const fixTo = above.find((f) => order.line(f) === line) ?? above[0];
  return fixTo === undefined ? { status: 'affected' } : { status: 'affected', fixTo };
}

function judgeByRanges(ranges: readonly AffectedRange[], installed: string, order: VersionOrder, ecosystem: string): VersionVerdict {
  for (const range of ranges) {
    const bounds = [range.introduced, range.fixed, range.lastAffected].filter((b): b is string => b !== undefined && b !== '0');
    const unreadable = bounds.find((b) => order.compare(b, b) === undefined);
    if (unreadable !== undefined) return { status: 'unknown', why: `range bound '${unreadable}' is not a ${ecosystem} version` };
    const from = range.introduced === undefined || range.introduced === '0' || (order.compare(installed, range.introduced) ?? -1) >= 0;
    const below = range.fixed === undefined || (order.compare(installed, range.fixed) ?? 1) < 0;
    const upTo = range.lastAffected === undefined || (order.compare(installed, range.lastAffected) ?? 1) <= 0;
    if (from && below && upTo) return range.fixed === undefined ? { status: 'affected' } : { status: 'affected', fixTo: range.fixed };
  }
  return { status: 'fixed' };
}

function judgeByEquality(finding: Finding, installed: string): VersionVerdict {
  if (finding.installedVersion === undefined) return { status: 'unknown', why: `versions of ecosystem '${finding.ecosystem}' cannot be ordered (npm and deb can)` };
  if (installed !== finding.installedVersion) return { status: 'unknown', why: `'${installed}' differs from the scanned '${finding.installedVersion}', and versions of ecosystem '${finding.ecosystem}' cannot be ordered` };
  return finding.fixedVersions.length === 1 ? { status: 'affected', fixTo: finding.fixedVersions[0] as string } : { status: 'affected' };
}
