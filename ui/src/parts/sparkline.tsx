/** Props of {@link Sparkline}. */
export interface SparklineProps {
  readonly values: readonly number[];
  readonly label: string;
}

/** A small line of recent readings (an SVG with a text alternative: min, max and last). */
export function Sparkline({ values, label }: SparklineProps) {
  if (values.length < 2) return <span class="muted spark-empty">{values.length === 1 ? 'one reading' : 'no history'}</span>;
  const width = 120;
  const height = 28;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const points = values.map((v, i) => `${((i / (values.length - 1)) * width).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`).join(' ');
  const summary = `${label}: ${values.length} readings, min ${fmt(min)}, max ${fmt(max)}, last ${fmt(values[values.length - 1] ?? 0)}`;
  return (
    <svg class="sparkline" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={summary}>
      <title>{summary}</title>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}

/** A number for people: at most 3 decimals. */
export function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 10 ? 3 : 1);
}
