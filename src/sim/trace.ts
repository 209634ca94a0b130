import { HomeostatError } from '../core/errors.js';
import { MAX_SIMULATED_SECONDS, MAX_TRACE_ARRIVALS } from './simulation-limits.js';
import { traceLineExcerpt } from './trace-line-excerpt.js';
import { NotUtf8FileError, readTextFile } from '../core/text-file-check.js';

/** Arrival times of requests, in seconds from the start of the trace, ascending. */
export interface ArrivalTrace {
  readonly arrivals: Float64Array;
  /** Length of the trace in seconds (the last arrival, or the end the file gives). */
  readonly durationSeconds: number;
  readonly source: string;
}

/** A trace file that cannot be read, with where the problem is. */
export class TraceError extends HomeostatError {
  constructor(file: string, line: number, message: string) {
    super('E_TRACE', `${file}:${line}: ${message}`);
  }
}

/**
 * Reads a trace: `.delta` files hold one inter-arrival time in seconds per line (SWIM's format); `.csv`
 * files hold `timestamp,count` rows (seconds and the number of requests in the interval that starts there;
 * the requests are spread evenly over it). A header row is allowed in CSV. Blank lines and `#` comments
 * are skipped. A trace may span at most `MAX_SIMULATED_SECONDS` and hold at most `MAX_TRACE_ARRIVALS` arrivals.
 * @throws TraceError naming the file and line of the first bad entry
 */
export async function readTrace(file: string): Promise<ArrivalTrace> {
  let text: string;
  try {
    text = await readTextFile(file, { strictUtf8: true });
  } catch (error) {
    throw new TraceError(file, error instanceof NotUtf8FileError ? error.line : 0, `cannot read the trace: ${(error as Error).message}`);
  }
  return file.toLowerCase().endsWith('.csv') ? parseCsvTrace(text, file) : parseDeltaTrace(text, file);
}

/**
 * Parses inter-arrival times, one per line. A line at a time: an array of every line (a day's trace has
 * hundreds of thousands) would outlive young-generation collections and be copied into the old generation.
 */
export function parseDeltaTrace(text: string, source = 'trace'): ArrivalTrace {
  let lines = 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines += 1;
  const arrivals = new Float64Array(lines);
  let count = 0;
  let t = 0;
  let start = 0;
  for (let i = 0; i < lines; i++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '' || line.startsWith('#')) continue;
    const delta = Number(line);
    if (!Number.isFinite(delta) || delta < 0 || radixPrefixed(line)) throw new TraceError(source, i + 1, `expected a non-negative inter-arrival time in seconds, got ${traceLineExcerpt(line)}`);
    t += delta;
    if (t > MAX_SIMULATED_SECONDS) throw tooLong(source, i + 1, t);
    if (count === MAX_TRACE_ARRIVALS) throw tooMany(source, i + 1);
    arrivals[count++] = t;
  }
  if (count === 0) throw new TraceError(source, 1, 'the trace holds no arrivals');
  return { arrivals: arrivals.slice(0, count), durationSeconds: t, source };
}

/** Parses `timestamp,count` rows. */
export function parseCsvTrace(text: string, source = 'trace'): ArrivalTrace {
  const rows: Array<[number, number]> = [];
  let total = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [a, b, ...rest] = line.split(',').map((c) => c.trim());
    if (rows.length === 0 && i === firstDataLine(text) && a !== undefined && Number.isNaN(Number(a))) return; // header
    const t = Number(a);
    const n = Number(b);
    if (rest.length > 0 || !Number.isFinite(t) || !Number.isInteger(n) || n < 0 || radixPrefixed(a ?? '') || radixPrefixed(b ?? '')) throw new TraceError(source, i + 1, `expected 'timestamp,count' (seconds, a whole number), got ${traceLineExcerpt(line)}`);
    const previous = rows[rows.length - 1];
    if (previous && t <= previous[0]) throw new TraceError(source, i + 1, `timestamps must increase: ${t} after ${previous[0]}`);
    const first = rows[0];
    if (first && t - first[0] > MAX_SIMULATED_SECONDS) throw tooLong(source, i + 1, t - first[0]);
    total += n;
    if (total > MAX_TRACE_ARRIVALS) throw tooMany(source, i + 1);
    rows.push([t, n]);
  });
  if (rows.length === 0) throw new TraceError(source, 1, 'the trace holds no rows');
  const start = (rows[0] as [number, number])[0];
  const interval = rows.length > 1 ? (rows[1] as [number, number])[0] - start : 1;
  const arrivals = new Float64Array(total);
  let count = 0;
  rows.forEach(([t, n], i) => {
    const next = rows[i + 1]?.[0] ?? t + interval;
    for (let k = 0; k < n; k++) arrivals[count++] = t - start + ((k + 0.5) * (next - t)) / n;
  });
  const last = rows[rows.length - 1] as [number, number];
  return { arrivals, durationSeconds: last[0] - start + interval, source };
}

/** A trace whose time passes what one simulation runs, at the line where it does. */
function tooLong(source: string, line: number, seconds: number): TraceError {
  return new TraceError(source, line, `the trace reaches ${seconds} s here, past what one simulation runs (at most ${MAX_SIMULATED_SECONDS.toLocaleString('en-US')} s, 366 days): cut it, or check that its times are in seconds`);
}

/** A trace with more arrivals than the simulator replays, at the line where it passes the bound. */
function tooMany(source: string, line: number): TraceError {
  return new TraceError(source, line, `the trace holds more than ${MAX_TRACE_ARRIVALS.toLocaleString('en-US')} arrivals by here: each is a simulated request; cut it, or scale its counts down`);
}

/**
 * True for a number written `0x10`, `0b1` or `0o7`, which `Number` reads (as 16, 1 and 7) but no trace means:
 * a trace's numbers are decimal. (Signed, `Number` already refuses them.) Two character reads, not a regular
 * expression: a day's trace has hundreds of thousands of lines.
 */
function radixPrefixed(text: string): boolean {
  if (text.length < 3 || text.charCodeAt(0) !== 48) return false;
  const second = text.charCodeAt(1) | 0x20; // lower case
  return second === 0x78 || second === 0x62 || second === 0x6f; // x, b, o
}

function firstDataLine(text: string): number {
  return text.split('\n').findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}
