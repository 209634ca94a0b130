/** The longest time (ms) without an acknowledged write between `from` and `to`. */
export function longestGap(ackedAt: readonly number[], from: number, to: number): number {
  let longest = 0;
  let previous = from;
  for (const at of ackedAt) {
    if (at < from) continue;
    if (at > to) break;
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return Math.max(longest, to - previous);
}
