import { PROPERTIES, type PropertyName } from './check-run.js';

/** One property's count in a soak shard: schedules checked, and those that broke it. */
export interface PropertyCount {
  readonly checked: number;
  readonly failed: number;
}

/** What one soak shard reports, as it goes (`done: false`) and at its end (with the runs' keys). */
export interface ShardReport {
  readonly shard: number;
  readonly seed: number;
  readonly planned: number;
  readonly done: boolean;
  readonly seconds: number;
  /** Distinct runs the shard made (a schedule drawn twice is run once). */
  readonly distinct: number;
  readonly counts: Readonly<Record<PropertyName, PropertyCount>>;
  /** Short hashes of the distinct runs' schedules, at the end only: the total counts each once. */
  readonly keys?: readonly string[];
  /** First failing schedule per broken property, as drawn (not shrunk yet): something to look at at once. */
  readonly firstFailures?: Readonly<Partial<Record<PropertyName, string>>>;
  /** Smallest failing schedule per broken property, as a command line with what broke. */
  readonly counterexamples?: Readonly<Partial<Record<PropertyName, string>>>;
}

/** The soak's totals over its shards. */
export interface SoakTotals {
  readonly planned: number;
  readonly seconds: number;
  /** Distinct runs: exact once every shard is done (keys), else the sum over shards (an upper bound). */
  readonly distinct: number;
  readonly exact: boolean;
  readonly counts: Readonly<Record<PropertyName, PropertyCount>>;
}

/** Adds up the latest report of each shard. */
export function tally(reports: readonly ShardReport[], seconds: number): SoakTotals {
  const counts = Object.fromEntries(
    PROPERTIES.map((p) => [p, reports.reduce((sum, r) => ({ checked: sum.checked + r.counts[p].checked, failed: sum.failed + r.counts[p].failed }), { checked: 0, failed: 0 })]),
  ) as Record<PropertyName, PropertyCount>;
  const exact = reports.length > 0 && reports.every((r) => r.done && r.keys !== undefined);
  const distinct = exact ? new Set(reports.flatMap((r) => r.keys ?? [])).size : reports.reduce((sum, r) => sum + r.distinct, 0);
  return { planned: reports.reduce((sum, r) => sum + r.planned, 0), seconds, distinct, exact, counts };
}

/** The totals as a table: per property, schedules checked, distinct runs, failures and time. */
export function formatTotals(totals: SoakTotals): string {
  const minutes = `${(totals.seconds / 60).toFixed(1)} min`;
  const distinct = `${totals.exact ? '' : '<= '}${totals.distinct.toLocaleString('en-US')}`;
  const rows = PROPERTIES.map((p) => {
    const c = totals.counts[p];
    return `  ${p.padEnd(24)} ${c.checked.toLocaleString('en-US').padStart(9)} checked  ${distinct.padStart(10)} distinct runs  ${String(c.failed).padStart(4)} failed  ${minutes}`;
  });
  return [`schedules per property (of ${totals.planned.toLocaleString('en-US')} planned), all properties checked on the same runs:`, ...rows].join('\n');
}
