import { z } from 'zod';
import { intervalSchema } from '../core/duration.js';
import type { Action } from '../knowledge/decision.js';

const stepId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a step id is letters, digits, '-', '_' or '.'");

/** One runbook step as written in a blueprint. */
export const runbookStepSchema = z.strictObject({
  id: stepId,
  entity: z.string().min(1),
  effector: z.string().min(1),
  params: z.record(z.string(), z.unknown()).optional(),
  /** Steps that must be done first; by default the step listed before. */
  after: z.array(stepId).optional(),
  timeout: intervalSchema.optional(),
  /** Must hold (within `within`) before dependent steps start. */
  check: z
    .strictObject({
      entity: z.string().min(1),
      sensor: z.string().min(1),
      op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']).default('eq'),
      value: z.union([z.number(), z.boolean(), z.string()]),
      within: intervalSchema,
    })
    .optional(),
  /** Undoes the step if a later one fails. */
  compensate: z.strictObject({ entity: z.string().min(1), effector: z.string().min(1), params: z.record(z.string(), z.unknown()).optional() }).optional(),
});

/** A runbook: steps forming a DAG (ids unique, `after` references existing, no cycles). */
export const runbookSchema = z
  .array(runbookStepSchema)
  .min(1)
  .superRefine((steps, ctx) => {
    const ids = new Map<string, number>();
    steps.forEach((step, i) => {
      if (ids.has(step.id)) ctx.addIssue({ code: 'custom', message: `duplicate step id '${step.id}'`, path: [i, 'id'] });
      ids.set(step.id, i);
    });
    steps.forEach((step, i) =>
      (step.after ?? []).forEach((dep, k) => {
        if (!ids.has(dep)) ctx.addIssue({ code: 'custom', message: `step '${step.id}' comes after '${dep}', which is not a step of this runbook`, path: [i, 'after', k] });
      }),
    );
    const after = steps.map((s, i) => s.after ?? (i > 0 ? [(steps[i - 1] as z.output<typeof runbookStepSchema>).id] : []));
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (id: string, trail: string[]): void => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting') {
        const index = ids.get(id) ?? 0;
        ctx.addIssue({ code: 'custom', message: `the runbook has a cycle: ${[...trail.slice(trail.indexOf(id)), id].join(' -> ')}`, path: [index, 'after'] });
        return;
      }
      state.set(id, 'visiting');
      for (const dep of after[ids.get(id) ?? -1] ?? []) if (ids.has(dep)) visit(dep, [...trail, id]);
      state.set(id, 'done');
    };
    for (const step of steps) visit(step.id, []);
  });

export type RunbookStep = z.output<typeof runbookStepSchema>;

/** The plan actions a runbook describes. */
export function runbookActions(steps: readonly RunbookStep[]): Action[] {
  return steps.map((s) => ({
    id: s.id,
    entity: s.entity,
    effector: s.effector,
    ...(s.params === undefined ? {} : { params: s.params }),
    ...(s.after === undefined ? {} : { after: s.after }),
    ...(s.timeout === undefined ? {} : { timeoutMs: s.timeout }),
    ...(s.check === undefined ? {} : { check: { entity: s.check.entity, sensor: s.check.sensor, op: s.check.op, value: s.check.value, withinMs: s.check.within } }),
    ...(s.compensate === undefined ? {} : { compensate: s.compensate }),
  }));
}

/** Every entity a runbook names, with the config path of the reference (for blueprint validation). */
export function runbookEntities(steps: readonly RunbookStep[], base: ReadonlyArray<string | number>): Array<{ entity: string; configPath: Array<string | number> }> {
  return steps.flatMap((s, i) => [
    { entity: s.entity, configPath: [...base, i, 'entity'] },
    ...(s.check ? [{ entity: s.check.entity, configPath: [...base, i, 'check', 'entity'] }] : []),
    ...(s.compensate ? [{ entity: s.compensate.entity, configPath: [...base, i, 'compensate', 'entity'] }] : []),
  ]);
}

/** Every effector a runbook invokes (steps and compensations), with its entity and config path (for blueprint validation). */
export function runbookEffectors(steps: readonly RunbookStep[], base: ReadonlyArray<string | number>): Array<{ entity: string; effector: string; configPath: Array<string | number> }> {
  return steps.flatMap((s, i) => [
    { entity: s.entity, effector: s.effector, configPath: [...base, i, 'effector'] },
    ...(s.compensate ? [{ entity: s.compensate.entity, effector: s.compensate.effector, configPath: [...base, i, 'compensate', 'effector'] }] : []),
  ]);
}

/** Every sensor a runbook's checks read, with its entity and config path (for blueprint validation). */
export function runbookSensors(steps: readonly RunbookStep[], base: ReadonlyArray<string | number>): Array<{ on: 'self'; entity: string; sensor: string; configPath: Array<string | number> }> {
  return steps.flatMap((s, i) => (s.check ? [{ on: 'self' as const, entity: s.check.entity, sensor: s.check.sensor, configPath: [...base, i, 'check', 'sensor'] }] : []));
}
