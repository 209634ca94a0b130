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
 * moves one level up the tree (a member's restarter gives up -> the cluster's replacer acts).
 */
export const escalateEffector = defineEffector({
  name: 'escalate',
  description: 'mark the entity on-fire and ask its parent to act',
  params: z.object({ reason: z.string().min(1).max(2_000), by: z.string().min(1).max(256) }),
  idempotent: true,
  run: ({ reason, by }, { entity, scheduler }) => {
    entity.setState('on-fire');
    entity.setUp(false);
    entity.sensor('escalation').publish({ reason, by, at: scheduler.now() });
  },
});
