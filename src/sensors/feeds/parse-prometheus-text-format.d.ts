// Types of the parse-prometheus-text-format package (it ships none): what its parser returns.
declare module 'parse-prometheus-text-format' {
  /** One sample of a family; histograms and summaries carry buckets/quantiles, sum and count instead of value. */
  export interface ParsedSample {
    value?: string;
    labels?: Record<string, string>;
    timestamp_ms?: string;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    sum?: string;
    count?: string;
  }
  /** A metric family as the parser groups it. */
  export interface ParsedFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: ParsedSample[];
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
