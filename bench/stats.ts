/** Percentile (nearest rank) of a list of numbers. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Prints a benchmark's result as one JSON line (the runner collects it). */
export function emit(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** CPU time (user + system) of the process since `start`, in ms: less disturbed than wall-clock time by other work. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * Rounds a benchmark runs before it counts any: the first two. One was not enough: in the round after it,
 * the typed-array baseline still ran 3.6x slower than in every later round (28.9 ms against 8 ms for 2 M
 * readings; its optimised code replaces the on-stack-replaced loop only then), which made the first counted
 * ratio look about half what it is in the steady state and gave a flattering minimum.
 */
export const WARM_UP_ROUNDS = 2;
