import { Cron } from 'croner';
import { z } from 'zod';
import { intervalSchema } from '../core/duration.js';

/**
 * When changes may be made. A small interface so that any source of windows (a cron schedule here; a
 * release calendar or a freeze elsewhere) can gate a loop that changes running software.
 */
export interface ChangeWindow {
  /** True when a change may start at `at` (ms since the epoch of the loop's scheduler). */
  isOpen(at: number): boolean;
  /** When the window next opens after `at` (ms), or undefined when it never does. */
  nextOpening(at: number): number | undefined;
  /** e.g. `0 2 * * * (UTC) for 2h`. */
  readonly description: string;
}

function isValidCron(pattern: string, timezone: string): boolean {
  try {
    return new Cron(pattern, { paused: true, timezone }).nextRun() !== null;
  } catch {
    return false;
  }
}

/** A maintenance window as blueprints write it: from each cron trigger, for `duration`. */
export const maintenanceWindowSchema = z
  .strictObject({
    /** Cron expression, e.g. `0 2 * * 1-5` (02:00 on weekdays). */
    cron: z.string().min(1),
    /** How long each window stays open, e.g. `2h`. */
    duration: intervalSchema,
    /** IANA time zone of the cron expression. Default UTC. */
    timezone: z.string().min(1).default('UTC'),
  })
  .superRefine((w, ctx) => {
    if (!isValidCron(w.cron, w.timezone)) ctx.addIssue({ code: 'custom', path: ['cron'], message: `'${w.cron}' is not a cron expression that ever fires in time zone ${w.timezone}` });
  });

/** A maintenance window declaration. */
export type MaintenanceWindowDecl = z.output<typeof maintenanceWindowSchema>;

/** Open from each trigger of a cron expression for `duration`. */
export function cronWindow(decl: MaintenanceWindowDecl): ChangeWindow {
  const cron = new Cron(decl.cron, { paused: true, timezone: decl.timezone });
  const isOpen = (at: number): boolean => {
    // croner floors the reference to the second and excludes a run there: one second later includes a run at `at`
    const [start] = cron.previousRuns(1, new Date(at + 1000));
    return start !== undefined && at < start.getTime() + decl.duration;
  };
  return {
    description: `${decl.cron} (${decl.timezone}) for ${decl.duration / 1000} s`,
    isOpen,
    nextOpening: (at) => (isOpen(at) ? at : (cron.nextRun(new Date(at))?.getTime() ?? undefined)),
  };
}

/** Open when any of the windows is; with no windows, always open. */
export function anyWindow(windows: readonly ChangeWindow[]): ChangeWindow {
  if (windows.length === 0) return { description: 'always', isOpen: () => true, nextOpening: (at) => at };
  return {
    description: windows.map((w) => w.description).join(' or '),
    isOpen: (at) => windows.some((w) => w.isOpen(at)),
    nextOpening: (at) => {
      const times = windows.map((w) => w.nextOpening(at)).filter((t): t is number => t !== undefined);
      return times.length === 0 ? undefined : Math.min(...times);
    },
  };
}
