/**
 * A normal draw truncated to non-negative values (OMNeT++'s truncnormal: redraw until non-negative),
 * from a seeded uniform source, so simulations are repeatable.
 */
export function truncatedNormal(mean: number, sd: number, random: () => number): number {
  for (let attempt = 0; attempt < 1000; attempt++) {
    // Box-Muller; 1 - u keeps the logarithm finite
    const u = 1 - random();
    const v = random();
    const draw = mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    if (draw >= 0) return draw;
  }
  return 0;
}
