import { z } from 'zod';

/** Bound of a check's limits: any metric a person means, and never a number that overflows a comparison. */
const LIMIT = 1e12;
const limit = z.number().min(-LIMIT).max(LIMIT);

/**
 * A metric check of progressive delivery, over one numeric sensor of the members: the canary set's
 * readings during a step against a threshold (`max`, `min`) and/or against the baseline set's readings of
 * the same time (`maxAboveBaseline`, `maxRatioToBaseline`). With fewer than `minSamples` readings in a set
 * the check fails as inconclusive: a step is never promoted on data the loop does not have.
 */
export const metricCheckSchema = z
  .strictObject({
    /** Numeric sensor of the members, e.g. `http.errors.rate` or `http.latency.p99`. */
    sensor: z.string().min(1).max(200),
    /** How the readings of a set are summarised. Default `mean`. */
    aggregate: z.enum(['mean', 'max']).default('mean'),
    /** The canary's value must be at most this. */
    max: limit.optional(),
    /** The canary's value must be at least this (a success rate). */
    min: limit.optional(),
    /** The canary's value may exceed the baseline's by at most this much (same unit as the sensor). */
    maxAboveBaseline: z.number().min(0).max(LIMIT).optional(),
    /** The canary's value may be at most this multiple of the baseline's (e.g. 1.5). */
    maxRatioToBaseline: z.number().positive().max(1e6).optional(),
    /** Readings needed in each compared set before the check can pass. Default 3. */
    minSamples: z.number().int().min(1).max(100_000).default(3),
  })
  .refine((c) => c.max !== undefined || c.min !== undefined || c.maxAboveBaseline !== undefined || c.maxRatioToBaseline !== undefined, {
    message: 'a check needs at least one limit: max, min, maxAboveBaseline or maxRatioToBaseline',
  });

/** One metric check, as parsed. */
export type MetricCheck = z.output<typeof metricCheckSchema>;

/** The readings of one set (canary or baseline) for one sensor, summarised. */
export interface SetSummary {
  /** Mean or max of the readings; undefined with no readings. */
  readonly value: number | undefined;
  readonly samples: number;
}

/** The outcome of one check on one step: its numbers and why it passed or failed. */
export interface CheckResult {
  readonly sensor: string;
  readonly canary: SetSummary;
  /** Absent when the check has no baseline limit or there was no baseline set (the step covers every member). */
  readonly baseline?: SetSummary;
  readonly pass: boolean;
  /** `0.012 <= max 0.05; 0.012 <= baseline 0.010 + 0.02`, or what failed. */
  readonly why: string;
}

/** Readings gathered during a step, by sensor: the canary set's and the baseline set's values. */
export type StepSamples = ReadonlyMap<string, { readonly canary: readonly number[]; readonly baseline: readonly number[] }>;

/** Summarises readings. */
export function summarise(values: readonly number[], aggregate: MetricCheck['aggregate']): SetSummary {
  if (values.length === 0) return { value: undefined, samples: 0 };
  const value = aggregate === 'max' ? Math.max(...values) : values.reduce((sum, v) => sum + v, 0) / values.length;
  return { value, samples: values.length };
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/\.?0+$/, ''));

/** Evaluates one check against the samples of a step. `hasBaseline`: false when no member is left on the old version. */
export function evaluateCheck(check: MetricCheck, samples: StepSamples, hasBaseline: boolean): CheckResult {
  const sets = samples.get(check.sensor) ?? { canary: [], baseline: [] };
  const canary = summarise(sets.canary, check.aggregate);
  const wantsBaseline = hasBaseline && (check.maxAboveBaseline !== undefined || check.maxRatioToBaseline !== undefined);
  const baseline = wantsBaseline ? summarise(sets.baseline, check.aggregate) : undefined;
  const result = (pass: boolean, why: string): CheckResult => ({ sensor: check.sensor, canary, ...(baseline ? { baseline } : {}), pass, why });
  if (canary.value === undefined || canary.samples < check.minSamples) return result(false, `inconclusive: ${canary.samples} canary readings, ${check.minSamples} needed`);
  if (baseline && (baseline.value === undefined || baseline.samples < check.minSamples)) return result(false, `inconclusive: ${baseline.samples} baseline readings, ${check.minSamples} needed`);
  const c = canary.value;
  const parts: string[] = [];
  let pass = true;
  const verdict = (ok: boolean, text: string): void => {
    parts.push(`${text}${ok ? '' : ' FAILED'}`);
    pass &&= ok;
  };
  if (check.max !== undefined) verdict(c <= check.max, `${fmt(c)} <= max ${fmt(check.max)}`);
  if (check.min !== undefined) verdict(c >= check.min, `${fmt(c)} >= min ${fmt(check.min)}`);
  const b = baseline?.value;
  if (b !== undefined && check.maxAboveBaseline !== undefined) verdict(c <= b + check.maxAboveBaseline, `${fmt(c)} <= baseline ${fmt(b)} + ${fmt(check.maxAboveBaseline)}`);
  if (b !== undefined && check.maxRatioToBaseline !== undefined) verdict(c <= b * check.maxRatioToBaseline, `${fmt(c)} <= baseline ${fmt(b)} x ${fmt(check.maxRatioToBaseline)}`);
  if (!hasBaseline && (check.maxAboveBaseline !== undefined || check.maxRatioToBaseline !== undefined)) parts.push('baseline limits not applied: no member is left on the old version');
  return result(pass, parts.join('; '));
}

/** Evaluates every check of a step; the step passes when all do. */
export function analyseStep(checks: readonly MetricCheck[], samples: StepSamples, hasBaseline: boolean): { pass: boolean; results: CheckResult[] } {
  const results = checks.map((check) => evaluateCheck(check, samples, hasBaseline));
  return { pass: results.every((r) => r.pass), results };
}

/** `http.errors.rate: 0.5 <= max 0.05 FAILED (canary 12 readings, baseline 0.01 over 12)`, one line per check. */
export function describeResults(results: readonly CheckResult[]): string {
  return results
    .map((r) => `${r.sensor}: ${r.why} (canary ${r.canary.value === undefined ? 'no value' : fmt(r.canary.value)} over ${r.canary.samples} readings${r.baseline ? `, baseline ${r.baseline.value === undefined ? 'no value' : fmt(r.baseline.value)} over ${r.baseline.samples} readings` : ''})`)
    .join('; ');
}
