import { distinctUntilChanged, filter, interval, map, startWith } from 'rxjs';
import { z } from 'zod';
import { intervalSchema } from '../core/duration.js';
import { groupSizeSchema } from '../core/limits.js';
import { scaleInRefusal } from './scale-in-refusal.js';
import { activeWindows, applyWindows, scheduleWindowSchema } from '../planners/schedule-window.js';
import { definePolicy, type Symptom } from './define-policy.js';

/** Config of the built-in scheduled scaler. */
export const scheduledScalerConfig = z.strictObject({
  windows: z.array(scheduleWindowSchema).min(1),
  /** Size outside every window; omit to leave the size alone when a window ends. */
  baseline: groupSizeSchema().optional(),
  sizeSensor: z.string().default('group.size'),
  resizeEffector: z.string().default('resize'),
  /** How often to check the schedule. Default 1 min. */
  checkInterval: intervalSchema.default(60_000),
});

/**
 * Scheduled capacity (croner): when a window opens, resize to its size (a floor only raises; exact sets);
 * when all windows close, return to the baseline if one is given. To combine a schedule with dynamic
 * scaling, give the autoscaler a `schedule` instead: there the window is a floor under its recommendations.
 */
export const scheduledScaler = definePolicy({
  name: 'scheduled-scaler',
  description: 'sets capacity by cron windows',
  config: scheduledScalerConfig,
  requiresEffectors: (config) => [{ effector: config.resizeEffector, configPath: ['resizeEffector'] }],
  requires: (c) => [{ on: 'self', sensor: c.sizeSensor, configPath: ['sizeSensor'] }],
  monitor: ({ config, scheduler }) => interval(config.checkInterval, scheduler).pipe(startWith(0)),
  analyze: (source, { entity, config, scheduler }) =>
    source.pipe(
      map(() => activeWindows(config.windows, scheduler.now())),
      distinctUntilChanged((a, b) => a.length === b.length && a.every((w, i) => w === b[i])),
      map((windows): Symptom | undefined => {
        const size = entity.sensor<number>(config.sizeSensor);
        const current = size.value;
        if (current === undefined || !size.current) return undefined;
        const applied = applyWindows(current, windows);
        const desired = windows.length === 0 ? (config.baseline ?? current) : applied.size;
        if (desired === current) return undefined;
        const why = applied.window ? `window '${applied.window.cron}' (${applied.window.mode} ${applied.window.size}) is open` : 'no window is open: back to the baseline';
        return { kind: 'schedule', inputs: [size.current], detail: { current, desired, why } };
      }),
      filter((s): s is Symptom => s !== undefined),
    ),
  plan: (symptom, { entity, config }) => {
    const d = symptom.detail as { current: number; desired: number; why: string };
    const reason = `${d.why}: resize ${d.current} -> ${d.desired}`;
    // a scale-in the group's quorum refuses is not asked for (it would fail again at each check): refused, saying why
    const refusal = scaleInRefusal(entity, d.current, d.desired, reason);
    if (refusal) return refusal;
    return { actions: [{ entity: entity.id, effector: config.resizeEffector, params: { size: d.desired } }], reason };
  },
});
