import { Cron } from 'croner';
import { z } from 'zod';
import { intervalSchema } from '../core/duration.js';
import { groupSizeSchema } from '../core/limits.js';
import { latestFiring } from '../core/maintenance-window.js';

/** A scheduled capacity window: from each cron trigger, for `duration`, a floor or an exact size. */
export const scheduleWindowSchema = z.strictObject({
  /** Cron expression (UTC), e.g. `0 8 * * 1-5`. */
  cron: z
    .string()
    .refine((pattern) => isValidCron(pattern), { message: 'not a valid cron expression' })
    .refine((pattern) => !isValidCron(pattern) || firesEver(pattern), { message: 'this cron expression never fires (no such date, e.g. 30 February)' }),
  duration: intervalSchema,
  size: groupSizeSchema(),
  /** `floor`: at least `size` during the window (dynamic policies may go higher); `exact`: exactly `size`. */
  mode: z.enum(['floor', 'exact']).default('floor'),
});

export type ScheduleWindow = z.infer<typeof scheduleWindowSchema>;

/** The windows in force at `now` (ms since the epoch of the scheduler). */
export function activeWindows(windows: readonly ScheduleWindow[], now: number): ScheduleWindow[] {
  return windows.filter((window) => {
    const cron = new Cron(window.cron, { paused: true, timezone: 'UTC' });
    const start = latestFiring(cron, now);
    return start !== undefined && now < start + window.duration;
  });
}

/** Applies the windows in force to a desired size: an exact window wins; otherwise the highest floor. */
export function applyWindows(desired: number, windows: readonly ScheduleWindow[]): { size: number; window?: ScheduleWindow } {
  const exact = windows.find((w) => w.mode === 'exact');
  if (exact) return { size: exact.size, window: exact };
  const floor = windows.filter((w) => w.mode === 'floor').sort((a, b) => b.size - a.size)[0];
  return floor && floor.size > desired ? { size: floor.size, window: floor } : { size: desired };
}

/** False for a valid pattern that names no date that exists (`0 0 30 2 *`). */
function firesEver(pattern: string): boolean {
  return new Cron(pattern, { paused: true, timezone: 'UTC' }).nextRun() !== null;
}

function isValidCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true });
    return true;
  } catch {
    return false;
  }
}
