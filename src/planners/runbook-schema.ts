import { z } from 'zod';
import { intervalSchema } from '../core/duration.js';
import { malformedSecretRefs, secretSourceSchema } from '../core/secret-ref.js';
import type { Action } from '../knowledge/decision.js';
import { guardRefs, guardsSchema, toGuards } from './guard-schema.js';

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
  /** The step runs only when these hold as it is about to start; otherwise it and its dependents are skipped. */
  when: guardsSchema.optional(),
  /** A failure of this step does not stop the runbook (e.g. a fence the operator accepts may fail). */
  bestEffort: z.boolean().optional(),
  /**
   * The step rotates a secret file (`{ secret: { file } }`): its effector writes a new value, which is read
   * again and must differ; later steps (a restart) and every later invocation use the new value.
   */
  rotateSecret: secretSourceSchema
    .refine((source) => 'file' in source, { message: 'rotateSecret names a secret file ({ secret: { file: /path } }): an environment variable cannot change under a running process' })
    .transform((source) => source as { file: string })
    .optional(),
});

/** A runbook: steps forming a DAG (ids unique, `after` references existing, no cycles). */
export const runbookSchema = z
  .array(runbookStepSchema)
  .min(1)
  .superRefine((steps, ctx) => {
    const ids = new Map<string, number>();
    steps.forEach((step, i) => {
      for (const bad of [...malformedSecretRefs(step.params, [i, 'params']), ...malformedSecretRefs(step.compensate?.params, [i, 'compensate', 'params'])]) ctx.addIssue({ code: 'custom', ...bad });
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
    fenceBeforePromote(steps, after, ids, ctx);
  });

/** Steps that every path to a step comes through: the step's ancestors in the DAG. */
function ancestorsOf(index: number, after: ReadonlyArray<readonly string[]>, ids: ReadonlyMap<string, number>): Set<number> {
  const seen = new Set<number>();
  const stack = [...(after[index] ?? [])];
  while (stack.length > 0) {
    const k = ids.get(stack.pop() as string);
    if (k === undefined || seen.has(k)) continue;
    seen.add(k);
    stack.push(...(after[k] ?? []));
  }
  return seen;
}

/**
 * Split-brain guard: a step that promotes a database must come after (in the DAG, not merely in the list)
 * a step that fences another entity, the group's old primary, so there is never a moment with two
 * writable primaries. Which entity is the group's primary is checked again when the runbook runs.
 */
function fenceBeforePromote(steps: readonly RunbookStep[], after: ReadonlyArray<readonly string[]>, ids: ReadonlyMap<string, number>, ctx: z.RefinementCtx): void {
  steps.forEach((step, i) => {
    if (step.effector !== 'promote') return;
    const fenced = [...ancestorsOf(i, after, ids)].some((k) => steps[k]?.effector === 'fence' && steps[k]?.entity !== step.entity);
    if (!fenced) {
      ctx.addIssue({ code: 'custom', path: [i, 'effector'], message: `step '${step.id}' promotes '${step.entity}' without fencing the group's primary first: add a step with effector 'fence' on the old primary and list it in this step's 'after' (split-brain guard)` });
    }
  });
}

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
    ...(s.when === undefined ? {} : { when: toGuards(s.when) }),
    ...(s.bestEffort === true ? { bestEffort: true } : {}),
    ...(s.rotateSecret === undefined ? {} : { rotateSecret: s.rotateSecret }),
  }));
}

/** Every entity a runbook names, with the config path of the reference (for blueprint validation). */
export function runbookEntities(steps: readonly RunbookStep[], base: ReadonlyArray<string | number>): Array<{ entity: string; sensor?: string; configPath: Array<string | number> }> {
  return steps.flatMap((s, i) => [
    { entity: s.entity, configPath: [...base, i, 'entity'] },
    ...(s.check ? [{ entity: s.check.entity, sensor: s.check.sensor, configPath: [...base, i, 'check', 'entity'] }] : []),
    ...guardRefs(s.when, [...base, i, 'when']),
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
