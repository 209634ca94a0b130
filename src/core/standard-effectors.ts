import { z } from 'zod';
import { defineEffector } from '../effectors/define-effector.js';
import { defineSensor } from '../sensors/define-sensor.js';

/** `escalation`: published when a policy on this entity gave up; the parent's policies act on it. */
export const ESCALATION = defineSensor({
  name: 'escalation',
  schema: z.object({ reason: z.string(), by: z.string(), at: z.number() }),
  description: 'set when a policy managing this entity gave up and asks its parent to act',
});

/**
 * `escalate`: every entity has it. Marks the entity on-fire and publishes `escalation`, so that management
 * moves one level up the tree (a member's restarter gives up -> the cluster's replacer acts). It does not
 * touch `service.up`: a group's health stays what its quorum rule says (one bad member and one failed
 * replacement must not take a site out of quorum and trigger DR while the site still serves), and a
 * member's health stays what its own checks say.
 */
export const escalateEffector = defineEffector({
  name: 'escalate',
  description: 'mark the entity on-fire and ask its parent to act',
  params: z.object({ reason: z.string().min(1).max(2_000), by: z.string().min(1).max(256) }),
  idempotent: true,
  run: ({ reason, by }, { entity, scheduler }) => {
    entity.setState('on-fire');
    entity.sensor('escalation').publish({ reason, by, at: scheduler.now() });
  },
});

/** `scale.floor`: a minimum size someone holds on this entity (0: none), e.g. a DR runbook until failback. */
export const SCALE_FLOOR = defineSensor({
  name: 'scale.floor',
  schema: z.object({ min: z.number().int().min(0), by: z.string(), at: z.number() }),
  description: 'a minimum size held on this entity until released (min 0: none); autoscalers never go below it',
});

/**
 * `setFloor`: every entity has it. Holds a minimum size on the entity that outlives the plan that set it
 * (a DR runbook scales the standby site up and holds it there until failback releases it with `min: 0`),
 * so the entity's own autoscaler does not undo the scale-up a minute later.
 */
export const setFloorEffector = defineEffector({
  name: 'setFloor',
  description: 'hold a minimum size on this entity until released (min: 0)',
  params: z.object({ min: z.number().int().min(0).max(10_000, 'at most 10000'), by: z.string().min(1).max(256).default('a runbook') }),
  idempotent: true,
  run: ({ min, by }, { entity, scheduler }) => {
    entity.sensor('scale.floor').publish({ min, by, at: scheduler.now() });
  },
});
