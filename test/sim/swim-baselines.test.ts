import { describe, expect, it } from 'vitest';
import { swimRun } from '../../bench/swim-experiment.js';

// The README's claim, as a test: on the WC98 trace with SWIM's settings, the built-in autoscaler + brownout
// gets higher utility and fewer late responses than SWIM's Reactive manager at every boot delay.
describe('homeostat against SWIM Reactive on WC98', () => {
  for (const bootDelay of [0, 60, 120, 180, 240]) {
    it(`wins on utility and lateness with a ${bootDelay} s boot delay`, async () => {
      const ours = await swimRun('examples/swim/homeostat.yaml', bootDelay);
      const reactive = await swimRun('examples/swim/swim-reactive.yaml', bootDelay);
      expect(ours.utility).toBeGreaterThan(reactive.utility);
      expect(ours.percentLate).toBeLessThan(reactive.percentLate);
      expect(ours.requests).toBe(reactive.requests);
    });
  }
});
