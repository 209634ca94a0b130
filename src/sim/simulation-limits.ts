import { HomeostatError } from '../core/errors.js';

/**
 * Longest simulated length (s): 366 days. A trace or `--duration` past it is refused, where it used to run for
 * ever (a `.delta` line of 1e308 s, `--duration 1e300`): the clock steps through every period and timer of the
 * blueprint, whatever the arrivals.
 */
export const MAX_SIMULATED_SECONDS = 366 * 86_400;

/**
 * Most arrivals a trace may hold: each is one simulated request (8 bytes for its time alone, and its work in the
 * simulated servers). A CSV row `0,1000000000000` used to end the process with V8's fatal "invalid size" error.
 */
export const MAX_TRACE_ARRIVALS = 20_000_000;

/** What a simulation's span is checked on. */
export interface SimulatedSpan {
  /** The simulated length (s): `durationSeconds`, or the trace's rounded up to whole periods. */
  readonly durationSeconds: number;
  /** Whether the length was asked for (`--duration`) rather than taken from the trace. */
  readonly durationGiven: boolean;
  /** The trace's own length (s), which the simulated length is taken from when none is given. */
  readonly traceSeconds: number;
  readonly warmupSeconds: number;
}

/**
 * Refuses a simulation that cannot run: a length that is not a positive number of seconds (a trace whose
 * arrivals all fall at one instant, `--duration 0`) or is past `MAX_SIMULATED_SECONDS`, and a warm-up that is
 * not zero or more seconds. (A run too short to score any period after the warm-up still runs, and its report
 * says so: the warm-up also sets when a simulated system starts taking adaptations, so it cannot simply be
 * lowered; see `systemResult`.)
 * @throws HomeostatError E_SIMULATION_SPAN saying which value is wrong, what it was, and what would do
 */
export function checkSimulatedSpan(span: SimulatedSpan): void {
  const { durationSeconds: duration, warmupSeconds: warmup } = span;
  const length = span.durationGiven ? `the simulated length (--duration ${duration} s)` : `the trace's length (${Number(span.traceSeconds.toFixed(3))} s)`;
  if (!span.durationGiven && !(span.traceSeconds > 0)) throw spanError(`${length} must be a positive number of seconds: its arrivals all fall at one instant`);
  if (!Number.isFinite(duration) || duration <= 0) throw spanError(`${length} must be a positive number of seconds`);
  if (duration > MAX_SIMULATED_SECONDS) throw spanError(`${length} is past what one simulation runs: at most ${MAX_SIMULATED_SECONDS.toLocaleString('en-US')} s (366 days)`);
  if (!Number.isFinite(warmup) || warmup < 0) throw spanError(`the warm-up must be 0 or more seconds, got ${warmup}`);
}

function spanError(message: string): HomeostatError {
  return new HomeostatError('E_SIMULATION_SPAN', message);
}
