import { describe, expect, it } from 'vitest';
import { activeWindows, scheduleWindowSchema } from '../../src/planners/schedule-window.js';

const TWO_AM = Date.UTC(2026, 0, 5, 2, 0, 0);
const window = scheduleWindowSchema.parse({ cron: '0 2 * * *', duration: '1h', size: 4 });

describe('scheduled capacity windows', () => {
  it('are active from the very millisecond their cron fires, through their duration, and not after', () => {
    expect(activeWindows([window], TWO_AM - 1)).toEqual([]);
    expect(activeWindows([window], TWO_AM)).toEqual([window]);
    expect(activeWindows([window], TWO_AM + 1)).toEqual([window]);
    expect(activeWindows([window], TWO_AM + 999)).toEqual([window]);
    expect(activeWindows([window], TWO_AM + 3_600_000 - 1)).toEqual([window]);
    expect(activeWindows([window], TWO_AM + 3_600_000)).toEqual([]);
  });
});
