import semver from 'semver';
import { compareDebianVersions } from './debian-version.js';

/** Ecosystems whose versions homeostat can order: `npm` (Semantic Versioning 2.0) and `deb` (dpkg's rules). */
export const ORDERED_ECOSYSTEMS = ['npm', 'deb'] as const;

/** How one ecosystem orders its versions. */
export interface VersionOrder {
  /** -1, 0 or 1; undefined when either string is not a version of this ecosystem. */
  compare(a: string, b: string): number | undefined;
  /** The release line a version belongs to (a fix on another line does not fix it), e.g. the semver major. */
  line(version: string): string | undefined;
}

const npmOrder: VersionOrder = {
  compare: (a, b) => (semver.valid(a) && semver.valid(b) ? semver.compare(a, b) : undefined),
  line: (v) => (semver.valid(v) ? String(semver.major(v)) : undefined),
};

const debOrder: VersionOrder = {
  compare: compareDebianVersions,
  // Debian publishes one fixed version per suite: every fix applies to every installed version
  line: () => '',
};

/** The order of an ecosystem, or undefined when homeostat cannot order its versions (then only equality is known). */
export function versionOrder(ecosystem: string): VersionOrder | undefined {
  if (ecosystem === 'npm') return npmOrder;
  if (ecosystem === 'deb') return debOrder;
  return undefined;
}
