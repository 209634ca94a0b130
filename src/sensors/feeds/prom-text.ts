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
 * Parses a Prometheus text exposition into flat samples, each with the name and labels its line has in the text,
 * as a scrape stores them: a histogram's `_bucket{le}`, `_sum` and `_count`, a summary's `{quantile}`, `_sum` and
 * `_count`. The lines are read as they are, without their family's `# TYPE` (the parser grouped a labelled
 * summary's series into one and lost their labels, `_sum` and `_count`). "NaN" and "+Inf" values stay NaN and
 * Infinity.
 * @throws ExpositionError when the text is not an exposition
 */
export function parseExposition(text: string): ExposedSample[] {
  let families;
  const lines = withoutComments(text);
  try {
    families = parsePrometheusTextFormat(lines);
  } catch (error) {
    throw new ExpositionError(`not a Prometheus text exposition: ${(error as Error).message}`);
  }
  // the parser finds no family in text of another kind (HTML, JSON) rather than failing: that is not an empty
  // exposition, whose every series would then be reported missing as if the target merely lacked them
  if (families.length === 0 && lines.trim() !== '') throw new ExpositionError(`not a Prometheus text exposition: no sample line in it (it starts ${JSON.stringify(lines.trimStart().slice(0, 40))})`);
  const out: ExposedSample[] = [];
  for (const family of families) for (const metric of family.metrics) out.push({ name: family.name, labels: metric.labels ?? {}, value: sampleNumber(metric.value ?? 'NaN') });
  return out;
}

/** The text's sample lines (comments, `# HELP` and `# TYPE` dropped). */
function withoutComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n');
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

/** The metric name a sample line of the text format starts with (up to `{` or a space); '' for other lines. */
function sampleNameOf(line: string): string {
  if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) return '';
  let end = 0;
  while (end < line.length) {
    const c = line.charCodeAt(end);
    if (c === 123 /* { */ || c === 32 /* space */ || c === 9 /* tab */) break;
    end++;
  }
  return line.slice(0, end);
}

/**
 * The value of the one series named `name` whose labels include `labels`, read from a text exposition by
 * parsing only the lines of that series name (a node exporter's 2,000 series took 23 ms to parse whole, 16 MiB
 * 1.6 s, for every poll of one value). The lines of a histogram's `_bucket`, `_sum` and `_count` and of a
 * summary's quantiles carry those names in the text, so they are found the same way. When no line has the
 * name, the whole text is parsed, so that an answer that is no exposition at all is still reported as such.
 * @throws ExpositionError when the text is not an exposition, or several series match
 */
export function selectSeries(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const kept: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    // a cheap look at the start of the line before slicing it
    if (text.startsWith(name, start)) {
      const line = text.slice(start, end).replace(/\r$/, '');
      if (sampleNameOf(line) === name) kept.push(line);
    }
    start = end + 1;
  }
  return selectSample(kept.length === 0 ? parseExposition(text) : parseExposition(`${kept.join('\n')}\n`), name, labels);
}
