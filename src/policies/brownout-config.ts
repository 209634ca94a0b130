import { z } from 'zod';
import { groupSizeSchema } from '../core/limits.js';
import { dimmerRaiseAheadSchema } from '../planners/dimmer-raise-ahead.js';

/** Config of the built-in brownout policy. */
export const brownoutConfig = z
  .strictObject({
    /** Sensor with the mean response time (s); each reading is one evaluation. */
    responseTimeSensor: z.string().min(1).default('response.time'),
    /** Sensor with the mean utilization of the serving members (0..1), optional. */
    utilizationSensor: z.string().min(1).optional(),
    dimmerSensor: z.string().min(1).default('dimmer'),
    dimmerEffector: z.string().min(1).default('setDimmer'),
    sizeSensor: z.string().min(1).default('group.size'),
    /** Sensor with the members still booting, optional: while some boot, capacity cannot grow faster. */
    bootingSensor: z.string().min(1).optional(),
    /** The largest size the group may have: at it, only the dimmer can relieve load. */
    maxSize: groupSizeSchema(1),
    /** How much one decision moves the dimmer. */
    step: z.number().gt(0).max(1).default(0.25),
    /**
     * How much one raise moves it, default `step`: 1 gives the optional content back in full as soon as
     * the response time and utilization show spare capacity, instead of one step per evaluation.
     */
    raiseStep: z.number().gt(0).max(1).optional(),
    /**
     * `step` (default): a raise moves the dimmer by `raiseStep`. `headroom`: as many whole raise steps as
     * the utilization leaves room for below `low.utilization`, at least one, assuming utilization grows in
     * proportion to the dimmer (the worst case, where the optional content is all the work): a group that
     * is nearly idle gets its optional content back at once, a busy one step by step. Needs `utilizationSensor`.
     */
    raiseBy: z.enum(['step', 'headroom']).default('step'),
    /**
     * Lower the dimmer by `step` when the response time is above `responseTime` even if the group can still
     * grow: members it adds only help once booted, and the requests waiting now are late already.
     * Without it the dimmer is lowered only while the group cannot grow.
     */
    overload: z
      .strictObject({
        responseTime: z.number().positive(),
        step: z.number().gt(0).max(1).optional(),
        /**
         * `raise` (default): once the overload is over, the dimmer comes back by the raise rule. `restore`:
         * the overload steps only bridge the boot of the members the autoscaler adds, so the first evaluation
         * that finds the response time below `low.responseTime` gives back what they took, as far as the
         * utilization grown with the dimmer stays at or below `high.utilization` (see `restoreTo`). A group at
         * its maximum size, or lowered by the high rule while it could not grow, lacks capacity rather than
         * waits for a boot: the raise rule brings that dimmer back, as it does a dimmer set since by a person or
         * another policy (any value other than the one the last overload step left). What the steps took is
         * kept in policy state, so a restarted service still gives it back.
         */
        release: z.enum(['raise', 'restore']).default('raise'),
      })
      .optional(),
    /**
     * Lower the dimmer when response time is above `high.responseTime`, or when utilization is above
     * `high.utilization` while response time is no longer comfortably low (at or above `low.responseTime`):
     * a busy group that still answers fast loses revenue by dropping optional content and gains nothing.
     */
    high: z.strictObject({ responseTime: z.number().positive(), utilization: z.number().gt(0).max(1).default(0.9) }),
    /** Raise it when both are below these. */
    low: z.strictObject({ responseTime: z.number().positive(), utilization: z.number().gt(0).max(1).default(0.7) }),
    /**
     * Forecast-sized raise: once the response time is below `low.responseTime` (and the group is not hot), a
     * raise or a restore goes at least as far as the demand forecast for the next period (Holt, fitted online),
     * spread over the members serving now, leaves room for within `raiseAhead.utilization`, in whole raise
     * steps. The period just ended can understate that room: served at dimmer 0 it shows nothing of the
     * optional content's cost, served on fewer members than serve now (a boot that finished at the boundary)
     * it shows them busier than they will be. `raiseAhead.utilization` is at most `high.utilization` (above it
     * the next period would be hot and lower the dimmer again). It never lowers the dimmer. The reason gives the forecast, its
     * error and the capacity per member.
     */
    raiseAhead: dimmerRaiseAheadSchema.optional(),
  })
  .refine((c) => c.low.responseTime < c.high.responseTime, { message: 'low.responseTime must be below high.responseTime', path: ['low', 'responseTime'] })
  .refine((c) => c.low.utilization < c.high.utilization, { message: 'low.utilization must be below high.utilization', path: ['low', 'utilization'] })
  .refine((c) => c.raiseBy === 'step' || c.utilizationSensor !== undefined, { message: "raiseBy 'headroom' needs utilizationSensor (the headroom is read from it)", path: ['raiseBy'] })
  .refine((c) => c.raiseAhead === undefined || c.raiseAhead.capacity !== undefined || c.utilizationSensor !== undefined, { message: 'raiseAhead without capacity learns it from the utilization: set utilizationSensor, or raiseAhead.capacity', path: ['raiseAhead', 'capacity'] })
  // a raise that puts the utilization above high.utilization is hot the next period: lowered again, raised again
  .superRefine((c, ctx) => {
    if (c.raiseAhead !== undefined && c.raiseAhead.utilization > c.high.utilization) {
      const message = `raiseAhead.utilization (${c.raiseAhead.utilization}) must be at most high.utilization (${c.high.utilization}): a raise past it is lowered again the next period`;
      ctx.addIssue({ code: 'custom', message, path: ['raiseAhead', 'utilization'] });
    }
  })
  .refine((c) => c.overload === undefined || c.overload.responseTime >= c.high.responseTime, { message: 'overload.responseTime must be at least high.responseTime (an overload is worse than hot)', path: ['overload', 'responseTime'] });

/** The brownout's config after parsing. */
export type BrownoutConfig = z.output<typeof brownoutConfig>;
