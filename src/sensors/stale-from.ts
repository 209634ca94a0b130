/** One double's bits, to order doubles as integers (and as two 32-bit words, to step without a BigInt). */
const float = new Float64Array(1);
const bits = new BigInt64Array(float.buffer);
const words = new Uint32Array(float.buffer);
/** Which word holds the low 32 bits (the platform's byte order). */
const LOW = new Uint8Array(new Float64Array([Number.MIN_VALUE]).buffer)[0] === 1 ? 0 : 1;
const SIGN = 1n << 63n;
const INFINITY = ordinal(Infinity);
const NEGATIVE_INFINITY = ordinal(-Infinity);

/** `x`'s place among the doubles: consecutive doubles have consecutive ordinals (both zeros are 0). */
function ordinal(x: number): bigint {
  float[0] = x;
  const raw = bits[0] as bigint;
  return raw >= 0n ? raw : SIGN - BigInt.asUintN(64, raw);
}

/** The double at place `n` (see `ordinal`). */
function fromOrdinal(n: bigint): number {
  bits[0] = n >= 0n ? n : BigInt.asIntN(64, -n | SIGN);
  return float[0] as number;
}

/** The double next to `x` (finite and not zero) away from zero when `away`, else towards it. */
function step(x: number, away: boolean): number {
  float[0] = x;
  const low = words[LOW] as number;
  if (away) {
    words[LOW] = low + 1;
    if (low === 0xffffffff) words[1 - LOW] = (words[1 - LOW] as number) + 1;
  } else {
    words[LOW] = low - 1;
    if (low === 0) words[1 - LOW] = (words[1 - LOW] as number) - 1;
  }
  return float[0] as number;
}

/** What `Sensor.isStale` decides at `now` for a reading at `at`. */
function staleNow(now: number, at: number, bound: number): boolean {
  return now - at > bound;
}

/**
 * The first time at which a reading taken at `at` is stale under a staleness bound of `bound` ms, exactly as
 * `Sensor.isStale` decides (`now - at > bound`, in floating point): stale at `now` if and only if
 * `now >= staleFrom(at, bound)`. Not simply `at + bound`: that is rounded, and for times with fractions the
 * rounded difference can stay equal to the bound for many doubles past it (far more when `at` is large);
 * and at `at + bound` itself a reading is still fresh. Infinity when such a reading never goes stale (a bound
 * of NaN or Infinity), -Infinity when it always is.
 *
 * @param at the reading's time (ms), finite
 * @param bound the staleness bound (ms)
 */
export function staleFrom(at: number, bound: number): number {
  if (Number.isNaN(bound) || bound === Infinity) return Infinity;
  if (bound === -Infinity) return -Infinity;
  const sum = at + bound;
  // whole milliseconds (the usual case): the sum is exact and the next double is the answer
  if (sum !== 0 && Number.isFinite(sum)) {
    const next = staleNow(sum, at, bound) ? sum : step(sum, sum > 0);
    if (next !== 0 && staleNow(next, at, bound) && !staleNow(step(next, next < 0), at, bound)) return next;
  }
  // otherwise a search among the doubles: `now - at` never decreases as `now` grows (rounding keeps the
  // order), so staleness turns true at one double; bracket it by doubling steps, then halve
  let fresh = ordinal(sum);
  let staleAt = fresh;
  for (let stride = 1n; staleNow(fromOrdinal(fresh), at, bound); stride *= 2n) fresh = fresh - stride > NEGATIVE_INFINITY ? fresh - stride : NEGATIVE_INFINITY;
  for (let stride = 1n; !staleNow(fromOrdinal(staleAt), at, bound); stride *= 2n) staleAt = staleAt + stride < INFINITY ? staleAt + stride : INFINITY;
  while (staleAt - fresh > 1n) {
    const middle = (fresh + staleAt) / 2n;
    if (staleNow(fromOrdinal(middle), at, bound)) staleAt = middle;
    else fresh = middle;
  }
  return fromOrdinal(staleAt);
}
