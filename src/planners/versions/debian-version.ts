/** A Debian version split into epoch, upstream version and revision (`[epoch:]upstream[-revision]`). */
interface DebianVersion {
  readonly epoch: number;
  readonly upstream: string;
  readonly revision: string;
}

const DEBIAN_VERSION = /^(?:(\d+):)?([0-9][A-Za-z0-9.+~:-]*?)(?:-([A-Za-z0-9.+~]+))?$/;

/** Parses a Debian version as dpkg does; undefined when it is not one. */
export function parseDebianVersion(text: string): DebianVersion | undefined {
  const match = DEBIAN_VERSION.exec(text.trim());
  if (!match) return undefined;
  const [, epoch, upstream, revision] = match;
  if (upstream === undefined || (epoch === undefined && upstream.includes(':'))) return undefined;
  return { epoch: epoch === undefined ? 0 : Number(epoch), upstream, revision: revision ?? '0' };
}

/** dpkg's order of one character: `~` before everything (even the end), then the end, letters, then the rest. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's `verrevcmp`: alternating runs of non-digits (by `order`) and digits (numerically). */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !/\d/.test(a[i] as string)) || (j < b.length && !/\d/.test(b[j] as string))) {
      const ac = i < a.length && !/\d/.test(a[i] as string) ? a[i] : undefined;
      const bc = j < b.length && !/\d/.test(b[j] as string) ? b[j] : undefined;
      const diff = order(ac) - order(bc);
      if (diff !== 0) return Math.sign(diff);
      if (ac !== undefined) i++;
      if (bc !== undefined) j++;
    }
    let an = '';
    let bn = '';
    while (i < a.length && /\d/.test(a[i] as string)) an += a[i++];
    while (j < b.length && /\d/.test(b[j] as string)) bn += b[j++];
    const diff = Number(an || '0') - Number(bn || '0');
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/**
 * Compares two Debian versions as `dpkg --compare-versions` does: epoch, then upstream version, then
 * revision, each by dpkg's rules (`~` sorts before anything, so `1.0~rc1` < `1.0`).
 * @returns -1, 0 or 1; undefined when either is not a Debian version
 */
export function compareDebianVersions(a: string, b: string): number | undefined {
  const x = parseDebianVersion(a);
  const y = parseDebianVersion(b);
  if (!x || !y) return undefined;
  if (x.epoch !== y.epoch) return Math.sign(x.epoch - y.epoch);
  return compareFragment(x.upstream, y.upstream) || compareFragment(x.revision, y.revision);
}
