import { Cron } from 'croner';
import { z } from 'zod';
import { intervalSchema } from './duration.js';

/**
 * A maintenance window: it opens at each time its cron expression fires and stays open for `duration`.
 * Releases and remediations act only while one of their windows is open; with no window they may act at
 * any time.
 */
export const maintenanceWindowSchema = z
  .strictObject({
    /** Cron expression (five or six fields), e.g. `0 2 * * 1-5` (02:00 on weekdays). */
    cron: z.string().min(1).max(200),
    /** How long the window stays open from each firing, e.g. `2h`. */
    duration: intervalSchema,
    /** IANA time zone the expression is read in. Default UTC. */
    timezone: z.string().min(1).max(64).default('UTC'),
  })
  .superRefine((window, ctx) => {
    const problem = cronProblem(window.cron, window.timezone);
    if (problem) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
  });

/** One maintenance window, as parsed (duration in ms). */
export type MaintenanceWindow = z.output<typeof maintenanceWindowSchema>;

/** Whether acting is allowed now, and until or from when. */
export interface WindowVerdict {
  readonly open: boolean;
  /** The window that is open now (absent when no windows are declared, or none is open). */
  readonly window?: MaintenanceWindow;
  /** When the open window closes (ms since the epoch). */
  readonly closesAt?: number;
  /** When the next window opens, if it is closed now (ms since the epoch); absent when none ever will. */
  readonly opensAt?: number;
}

/**
 * Reads a set of windows at `now` (ms since the epoch, the scheduler's time). No windows: always open.
 * Several windows: open when any is.
 */
export function windowVerdict(windows: readonly MaintenanceWindow[], now: number): WindowVerdict {
  if (windows.length === 0) return { open: true };
  let opensAt: number | undefined;
  for (const window of windows) {
    const cron = new Cron(window.cron, { paused: true, timezone: window.timezone });
    const start = latestFiring(cron, now);
    if (start !== undefined && now < start + window.duration) return { open: true, window, closesAt: start + window.duration };
    const next = cron.nextRun(new Date(now))?.getTime();
    if (next !== undefined && (opensAt === undefined || next < opensAt)) opensAt = next;
  }
  return opensAt === undefined ? { open: false } : { open: false, opensAt };
}

/**
 * The latest time (ms) at or before `now` at which `cron` fired, or undefined. croner counts whole seconds and
 * excludes a firing at its reference time, so it looks from the next second and keeps the latest firing not
 * after `now`: a window that opens exactly now is open now.
 */
export function latestFiring(cron: Cron, now: number): number | undefined {
  return cron.previousRuns(2, new Date(now + 1_000)).find((run) => run.getTime() <= now)?.getTime();
}

/** `open until 2026-01-01T03:00:00.000Z (0 2 * * *)`, or `closed; next opens at ...`, for decisions. */
export function describeVerdict(verdict: WindowVerdict): string {
  if (verdict.open) return verdict.window ? `maintenance window '${verdict.window.cron}' open until ${iso(verdict.closesAt)}` : 'no maintenance window declared';
  return verdict.opensAt === undefined ? 'outside every maintenance window, and none will open again' : `outside every maintenance window; the next opens at ${iso(verdict.opensAt)}`;
}

function iso(ms: number | undefined): string {
  return ms === undefined ? 'never' : new Date(ms).toISOString();
}

/** What is wrong with a cron expression in a time zone, or undefined when it fires at least once. */
export function cronProblem(pattern: string, timezone = 'UTC'): { field: 'cron' | 'timezone'; message: string } | undefined {
  try {
    new Cron('* * * * *', { paused: true, timezone }).nextRun();
  } catch {
    return { field: 'timezone', message: `'${timezone}' is not a known IANA time zone (e.g. UTC, Europe/Berlin)` };
  }
  let cron: Cron;
  try {
    cron = new Cron(pattern, { paused: true, timezone });
  } catch (error) {
    return { field: 'cron', message: `'${pattern}' is not a valid cron expression (${(error as Error).message})` };
  }
  return cron.nextRun() === null ? { field: 'cron', message: `'${pattern}' never fires (no such date, e.g. 30 February)` } : undefined;
}
