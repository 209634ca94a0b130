import { z } from 'zod';
import { durationSchema, intervalSchema } from '../../core/duration.js';
import { attemptsSchema, groupSizeSchema } from '../../core/limits.js';
import { ratePolicySchema, selectSchema } from '../../planners/rate-limit.js';
import { scheduleWindowSchema } from '../../planners/schedule-window.js';

/** One metric the autoscaler tracks. */
export const metricSchema = z.strictObject({
  /** Sensor on the group, or on each member with `readFrom: members`. */
  sensor: z.string().min(1),
  /** Value per member to hold the metric at. */
  target: z.number().positive(),
  /** `perMember`: an average per member (CPU). `total`: a total across the group (queue length, request rate). */
  basis: z.enum(['perMember', 'total']).default('perMember'),
  /** Scale from zero only when the metric is above this (KEDA's activation). Default 0. */
  activation: z.number().min(0).default(0),
  /**
   * `members` (default): reported by the members (HPA Resource/Pods metrics): a scale-up counts unready
   * members at 0. `object`: about something else (HPA Object/External metrics): no readiness rule.
   */
  source: z.enum(['members', 'object']).default('members'),
  /**
   * `group` (default): one value on the group. `members`: each member's own reading of `sensor` (a
   * per-member average, reported by the members), so the HPA's missing-pod rules apply: members without a
   * fresh reading count at 0 on a scale-up and at the target on a scale-down, unready ones at 0 on a
   * scale-up, and the tolerance is re-checked on the recomputed ratio. Evaluated every `evaluationInterval`.
   */
  readFrom: z.enum(['group', 'members']).default('group'),
  /**
   * With `readFrom: members`: `exclude` (default) leaves out the reading of an unready member and counts it
   * at 0 on a scale-up (Kubernetes' CPU metrics): within 5 min of starting to run, one not up or whose
   * reading predates its coming up; after that, only one that has never been up; `include` counts it like
   * any other (Kubernetes' Pods metrics). A member still starting is unready either way.
   */
  unreadyMembers: z.enum(['exclude', 'include']).optional(),
  /**
   * With `readFrom: members`: what a member without a reading counts as on a scale-down: `target`
   * (default; Kubernetes' Pods metrics) or `capacity`, for readings that are shares of each member's
   * capacity: all of it, or the target when that is higher (Kubernetes' Resource metrics).
   */
  missingMembersAt: z.enum(['target', 'capacity']).optional(),
  /**
   * With `readFrom: members`: a sensor on each member with its request (the capacity it asked for, in the
   * unit of `sensor`), so that `sensor` is raw usage and members with different requests weigh by them, as
   * Kubernetes' Resource metrics do: the utilization is sum(usage) / sum(request) over the members counted,
   * and `target` is a share of the request (0.6 = 60 %). A missing member counts on a scale-down at all of
   * its request, or at the target's share when that is higher (`missingMembersAt` defaults to `capacity`),
   * an unready one at 0 with its request on a scale-up. A member whose usage enters the ratio without a
   * fresh request reading (a positive number) makes the metric decide nothing: the Decision says which.
   */
  requestSensor: z.string().min(1).optional(),
  /**
   * Target while the response time is comfortable (see `comfort`), at least `target`: members may run
   * hotter while requests are still served fast, so the group scales down sooner and up later. Without it
   * the metric keeps `target` throughout.
   */
  relaxedTarget: z.number().positive().optional(),
});

const directionSchema = (stabilization: number, policies: z.input<typeof ratePolicySchema>[]) =>
  z
    .strictObject({
      /** Stabilization window: down takes the highest recommendation in it, up the lowest. */
      stabilization: durationSchema.default(stabilization),
      /** Time after a change in this direction before the next. Default 0. */
      cooldown: durationSchema.default(0),
      /** Rate limits per period; `select` combines them. */
      policies: z.array(ratePolicySchema).default(policies.map((p) => ratePolicySchema.parse(p))),
      select: selectSchema.default('max'),
    })
    .default({ stabilization, cooldown: 0, policies: policies.map((p) => ratePolicySchema.parse(p)), select: 'max' });

const baseSchema = z.strictObject({
  /** Shorthand for one metric: `metric`, `target`, `basis`. */
  metric: z.string().min(1).optional(),
  target: z.number().positive().optional(),
  basis: z.enum(['perMember', 'total']).optional(),
  metrics: z.array(metricSchema).default([]),
  /** Sensor with the current capacity. */
  sizeSensor: z.string().default('group.size'),
  /** Sensor with the members ready to serve: members still booting are not counted as capacity. */
  readySensor: z.string().optional(),
  /** Effector taking `{ size }`. */
  resizeEffector: z.string().default('resize'),
  min: groupSizeSchema().default(1),
  max: groupSizeSchema(1),
  /** Dead band around the target, as a ratio. Default 0.1. */
  tolerance: z.number().min(0).max(1).default(0.1),
  /** How often to evaluate even without new readings (this is what notices missing data). Default 15 s. */
  evaluationInterval: intervalSchema.default(15_000),
  scaleUp: directionSchema(0, [{ type: 'percent', value: 100, period: 15 }, { type: 'members', value: 4, period: 15 }]),
  scaleDown: directionSchema(300_000, [{ type: 'percent', value: 100, period: 15 }]),
  /** When every metric is missing, stale or erroring: after `failureThreshold` evaluations, apply `fallback`. */
  missingData: z
    .strictObject({
      failureThreshold: attemptsSchema.default(3),
      fallback: z.enum(['hold', 'fixed', 'currentOrHigher']).default('hold'),
      size: groupSizeSchema().optional(),
    })
    .refine((m) => m.fallback === 'hold' || m.size !== undefined, { message: "fallback 'fixed' and 'currentOrHigher' need a size", path: ['size'] })
    .default({ failureThreshold: 3, fallback: 'hold' }),
  /** After a resize fails for lack of capacity, ask for no more until the size changes or this passes. Default 10 min. */
  capacityRetry: durationSchema.default(600_000),
  /**
   * Response-time comfort band with hysteresis: once `sensor` (a response time) is at or below `enter`, the
   * metrics with a `relaxedTarget` are held at it, until the response time rises above `leave`. A
   * response-time-aware scale-down: the group runs hotter only while that costs no latency.
   */
  comfort: z
    .strictObject({
      sensor: z.string().min(1),
      enter: z.number().positive(),
      leave: z.number().positive(),
    })
    .refine((c) => c.leave >= c.enter, { message: 'leave must be at least enter (the band is the hysteresis)', path: ['leave'] })
    .optional(),
  /**
   * Burst filtering with a way out: while `sensor` (a response time) is above `above`, a scale-up skips the
   * scale-up stabilization window. A burst the group still serves in time must then last the window
   * before members are added (they would often boot after it has passed), while a group that is already
   * too slow grows at once. Needs a `scaleUp.stabilization` window.
   *
   * `rise` tells a rise from a burst: a scale-up is urgent too while `rise.sensor`'s latest reading is
   * at least its previous one (above 0) and at most `rise.atMost` times it (load that grew gradually keeps growing; a jump from a
   * low reading is the burst the window filters).
   */
  urgency: z
    .strictObject({
      sensor: z.string().min(1),
      above: z.number().positive(),
      rise: z.strictObject({ sensor: z.string().min(1), atMost: z.number().gt(1) }).optional(),
    })
    .optional(),
  /** Scheduled windows: a floor or an exact size from each cron trigger for a duration. */
  schedule: z.array(scheduleWindowSchema).default([]),
  /**
   * Predictive scaling: forecast a total demand metric `horizon` ahead (Holt's smoothing with an optionally
   * damped trend, fitted online) and ask for `ceil((forecast + margin x error) / target)` members ahead of time, never below what
   * the reactive rules ask. Set `horizon` to the boot delay: capacity asked now serves then.
   */
  predictive: z
    .strictObject({
      sensor: z.string().min(1),
      /**
       * Demand one member carries (e.g. requests/s): the forecast is sized on its own. Without it, the
       * forecast's growth over the demand now scales every metric's latest value and the reactive rules
       * size that (load metrics grow with demand), so scaling ahead uses the same targets as scaling now.
       */
      target: z.number().positive().optional(),
      horizon: durationSchema,
      alpha: z.number().gt(0).max(1).default(0.5),
      beta: z.number().gt(0).max(1).default(0.3),
      /** Trend damping phi in (0, 1]: 1 is Holt's linear trend; below 1 the forecast levels off (a jump is not extrapolated). */
      damping: z.number().gt(0).max(1).default(1),
      /** Multiples of the smoothed forecast error added as headroom. Default 1. */
      margin: z.number().min(0).default(1),
      /**
       * Acts on the forecast only when the trend's growth over the horizon exceeds this many smoothed forecast
       * errors (a significance test, so noise buys nothing). Default 0: act whenever the forecast is higher.
       */
      confidence: z.number().min(0).default(0),
      /**
       * Huber clipping of outlying readings, in smoothed forecast errors: a reading further than this from its
       * one-step forecast is folded in at that distance, so a one-reading burst does not make the trend look
       * significant. Default 0: no clipping.
       */
      robust: z.number().min(0).default(0),
      /**
       * Without its own target: the tolerance band of the reactive rules when they size the forecast growth
       * (default: the autoscaler's `tolerance`). 0 sizes the demand ahead at the targets exactly, so the
       * capacity is there before the metric leaves the band; the significance test already keeps noise out.
       */
      tolerance: z.number().min(0).max(1).optional(),
      /**
       * Forecast-driven release: while the scale-down stabilization window holds more members than the reactive
       * rules now ask for, let them go once the forecast plus `margin` smoothed errors (default 1) stays within
       * what fewer members serve for the whole horizon (sized as the floor sizes the forecast). Never below
       * the reactive rules' recommendation on the latest readings, never while the forecast needs the members
       * back within the horizon; it only shortens the window's hold. Needs `scaleDown.stabilization`, and no
       * `scaleDown.cooldown` (a partial release would start it and delay the rest of the scale-down).
       */
      release: z.strictObject({ margin: z.number().min(0).max(100).default(1) }).optional(),
    })
    .optional(),
});

/** Config of the built-in autoscaler. */
export const autoscalerConfig = baseSchema
  .transform((c) => {
    const metrics = [...c.metrics];
    if (c.metric !== undefined && c.target !== undefined) metrics.unshift(metricSchema.parse({ sensor: c.metric, target: c.target, basis: c.basis ?? 'perMember' }));
    return { ...c, metrics };
  })
  .superRefine((c, ctx) => {
    if (c.min > c.max) ctx.addIssue({ code: 'custom', message: 'min must not exceed max', path: ['min'] });
    const fallbackSize = c.missingData.size;
    if (fallbackSize !== undefined && (fallbackSize < c.min || fallbackSize > c.max)) ctx.addIssue({ code: 'custom', message: `the fallback size ${fallbackSize} is outside min..max (${c.min}..${c.max})`, path: ['missingData', 'size'] });
    if (c.urgency !== undefined && c.scaleUp.stabilization === 0) ctx.addIssue({ code: 'custom', message: 'urgency skips the scale-up stabilization window: give scaleUp.stabilization (without one every scale-up is immediate anyway)', path: ['urgency'] });
    if (c.predictive?.tolerance !== undefined && c.predictive.target !== undefined) ctx.addIssue({ code: 'custom', message: 'predictive.tolerance sizes the forecast growth with the reactive rules: with its own target the forecast is sized on that target alone, and the tolerance would do nothing', path: ['predictive', 'tolerance'] });
    if (c.predictive?.release !== undefined && c.scaleDown.stabilization === 0) ctx.addIssue({ code: 'custom', message: 'predictive.release shortens the scale-down stabilization window: give scaleDown.stabilization (without one every scale-down is immediate anyway)', path: ['predictive', 'release'] });
    if (c.predictive?.release !== undefined && c.scaleDown.cooldown > 0) ctx.addIssue({ code: 'custom', message: "predictive.release lets part of a scale-down go early, and scaleDown.cooldown would then delay the rest past the window's own scale-down: drop the cooldown (the window already spaces scale-downs)", path: ['predictive', 'release'] });
    if (c.predictive?.release !== undefined && c.scaleDown.select === 'disabled') ctx.addIssue({ code: 'custom', message: "predictive.release lets members go earlier, but scaleDown.select is 'disabled': no scale-down ever happens", path: ['predictive', 'release'] });
    if (c.metrics.length === 0) ctx.addIssue({ code: 'custom', message: "give 'metrics', or 'metric' with 'target'", path: ['metrics'] });
    if ((c.metric === undefined) !== (c.target === undefined)) ctx.addIssue({ code: 'custom', message: "'metric' and 'target' go together", path: [c.metric === undefined ? 'metric' : 'target'] });
    // the 'metric' shorthand is parsed first: the user's metrics[j] is metrics[j + 1] here
    const shorthand = c.metric !== undefined && c.target !== undefined ? 1 : 0;
    const at = (i: number, key: string): (string | number)[] => (i < shorthand ? ['metric'] : ['metrics', i - shorthand, key]);
    c.metrics.forEach((m, i) => {
      if (m.readFrom === 'members' && m.basis !== 'perMember') ctx.addIssue({ code: 'custom', message: "readFrom 'members' reads each member's own value: it needs basis 'perMember'", path: at(i, 'basis') });
      if (m.readFrom === 'members' && m.source !== 'members') ctx.addIssue({ code: 'custom', message: "readFrom 'members' reads the members: it needs source 'members'", path: at(i, 'source') });
      for (const key of ['unreadyMembers', 'missingMembersAt', 'requestSensor'] as const) {
        if (m[key] !== undefined && m.readFrom !== 'members') ctx.addIssue({ code: 'custom', message: `${key} applies to per-member readings: it needs readFrom 'members'`, path: at(i, key) });
      }
      if (m.requestSensor !== undefined && m.requestSensor === m.sensor) ctx.addIssue({ code: 'custom', message: `requestSensor '${m.requestSensor}' is the metric's own sensor: name the sensor with each member's request, not its usage`, path: at(i, 'requestSensor') });
      if (m.relaxedTarget !== undefined && m.relaxedTarget < m.target) ctx.addIssue({ code: 'custom', message: `relaxedTarget ${m.relaxedTarget} is below target ${m.target} (relaxed means members run hotter)`, path: at(i, 'relaxedTarget') });
      if (m.relaxedTarget !== undefined && c.comfort === undefined) ctx.addIssue({ code: 'custom', message: "relaxedTarget needs 'comfort' (the response time that says when it applies)", path: at(i, 'relaxedTarget') });
      if (c.min === 0 && m.basis === 'perMember' && c.metrics.every((x) => x.basis === 'perMember' && x.source === 'members')) {
        ctx.addIssue({ code: 'custom', message: "scaling to zero needs a total metric or one with source 'object' (a per-member average cannot be read with no members)", path: at(i, 'basis') });
      }
    });
  });

/** The autoscaler's config after parsing (durations in ms). */
export type AutoscalerConfig = z.output<typeof autoscalerConfig>;
