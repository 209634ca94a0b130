import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { HomeostatError } from '../../core/errors.js';
import { sampleNumber } from './prometheus-api.js';

/** A Prometheus text exposition that cannot be parsed, or a selector that matches several series. */
export class ExpositionError extends HomeostatError {
  constructor(message: string) {
    super('E_EXPOSITION', message);
  }
}

/** One series of an exposition, with the sample name as scraped (`x_bucket`, `x_sum`, `x_count` kept apart). */
export interface ExposedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * Parses a Prometheus text exposition (parse-prometheus-text-format) into flat samples: histogram and
 * summary families come back as their `_bucket{le}`/`{quantile}`, `_sum` and `_count` series, the names
 * a scrape would store. "NaN" and "+Inf" values stay NaN and Infinity.
 * @throws ExpositionError when the text is not an exposition
 */
export function parseExposition(text: string): ExposedSample[] {
  let families;
  try {
    families = parsePrometheusTextFormat(text);
  } catch (error) {
    throw new ExpositionError(`not a Prometheus text exposition: ${(error as Error).message}`);
  }
  const out: ExposedSample[] = [];
  for (const family of families) {
    for (const metric of family.metrics) {
      const labels = metric.labels ?? {};
      if (metric.value !== undefined) out.push({ name: family.name, labels, value: sampleNumber(metric.value) });
      for (const [le, v] of Object.entries(metric.buckets ?? {})) out.push({ name: `${family.name}_bucket`, labels: { ...labels, le }, value: sampleNumber(v) });
      for (const [quantile, v] of Object.entries(metric.quantiles ?? {})) out.push({ name: family.name, labels: { ...labels, quantile }, value: sampleNumber(v) });
      if (metric.sum !== undefined) out.push({ name: `${family.name}_sum`, labels, value: sampleNumber(metric.sum) });
      if (metric.count !== undefined) out.push({ name: `${family.name}_count`, labels, value: sampleNumber(metric.count) });
    }
  }
  return out;
}

/**
 * The value of the one series with this name whose labels include the given ones; undefined when none
 * matches (a missing reading).
 * @throws ExpositionError when several series match (name more labels to pick one)
 */
export function selectSample(samples: readonly ExposedSample[], name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const wanted = Object.entries(labels);
  const matches = samples.filter((s) => s.name === name && wanted.every(([k, v]) => s.labels[k] === v));
  if (matches.length > 1) throw new ExpositionError(`${matches.length} series of '${name}' match ${JSON.stringify(labels)}; name more labels to pick one`);
  return matches[0]?.value;
}
