import { z } from 'zod';
import { intervalSchema } from '../../core/duration.js';
import { maintenanceWindowSchema } from '../../core/maintenance-window.js';
import { templateFields } from '../../sensors/feeds/template.js';
import { SEVERITIES } from '../../sensors/feeds/scan/finding.js';

const sensorName = z.string().regex(/^[a-z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*$/, "a sensor name is dotted identifiers, e.g. 'inventory'");
const entityId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "an entity id is letters, digits, '-', '_' or '.'");

/** Fields a fix's params may name in `{{...}}`. */
export const FIX_TEMPLATE_FIELDS = ['id', 'package', 'fixedVersion', 'installedVersion'] as const;

const paramTemplate = z.string().superRefine((text, ctx) => {
  let fields: string[];
  try {
    fields = templateFields(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return;
  }
  for (const field of fields) {
    if (!(FIX_TEMPLATE_FIELDS as readonly string[]).includes(field)) ctx.addIssue({ code: 'custom', message: `{{${field}}} is not a fix field (${FIX_TEMPLATE_FIELDS.map((f) => `{{${f}}}`).join(', ')})` });
  }
});

/** Config of the built-in `remediation` policy. */
export const remediationConfig = z
  .strictObject({
    /** Sensor on the policy's entity holding the findings (a `json` sensor fed by a `scan-report` feed or the API). */
    findings: sensorName.default('vulnerabilities'),
    /** Sensor on each entity that says what it runs: `[{ name, version, ecosystem? }]` or `{ packages: [...] }`. */
    inventory: sensorName.default('inventory'),
    /** How an entity is fixed: an effector (default `update`) with params whose strings are templates. */
    fix: z
      .strictObject({
        effector: z.string().min(1).default('update'),
        params: z.record(z.string(), paramTemplate).default({ version: '{{fixedVersion}}' }),
      })
      .default({ effector: 'update', params: { version: '{{fixedVersion}}' } }),
    /** Findings below this severity are reported but not fixed. Default LOW (all). */
    minSeverity: z.enum(SEVERITIES).default('LOW'),
    /** At most this many entities in one batch (each group also keeps its quorum). Default 1. */
    maxBatch: z.number().int().min(1).max(100).default(1),
    /**
     * A group with no spare member for its quorum rule (one server; `atLeast: 2` of 2) is grown by one member
     * (`resize`) before its members are updated, and shrunk back after, so it never loses its quorum. Off,
     * or when a surge cannot help (a rule that needs every member, no `resize`), its members are not updated
     * and the decision is `blocked`, saying why. Default true.
     */
    surge: z.boolean().default(true),
    /** Time for an updated entity's `service.up` to read true (the health gate). Default 60 s. */
    healthTimeout: intervalSchema.default(60_000),
    /** Time for the inventory to show the fixed version after the batch. Default 2 min. */
    verifyTimeout: intervalSchema.default(120_000),
    /** How often the findings and inventories are assessed. Default 30 s. */
    evaluationInterval: intervalSchema.default(30_000),
    /** Put a failed batch back to the versions it had (the fix effector with the installed version). Default true. */
    rollback: z.boolean().default(true),
    /** An entity whose fix failed (and the same fix elsewhere) is tried again after this long. Default 1 h. */
    retryAfter: intervalSchema.default(3_600_000),
    /** Entity -> the entities it depends on: those are fixed first (the database before the API). */
    dependsOn: z.record(entityId, z.array(entityId)).default({}),
    /** Fixes start only inside one of these windows; none: any time. */
    maintenanceWindows: z.array(maintenanceWindowSchema).default([]),
    /** A boolean sensor that freezes changes while it reads true (on `entity`, default the policy's entity). */
    freeze: z.strictObject({ entity: entityId.optional(), sensor: sensorName }).optional(),
  })
  .superRefine((c, ctx) => {
    for (const [entity, deps] of Object.entries(c.dependsOn)) {
      if (deps.includes(entity)) ctx.addIssue({ code: 'custom', path: ['dependsOn', entity], message: `${entity} cannot depend on itself` });
    }
    const cycle = findCycle(c.dependsOn);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['dependsOn', cycle[0] as string], message: `dependency cycle: ${cycle.join(' -> ')}` });
  });

/** The parsed config. */
export type RemediationConfig = z.output<typeof remediationConfig>;

/** A cycle in a dependency map, as the ids along it (first repeated at the end), or undefined. */
export function findCycle(dependsOn: Readonly<Record<string, readonly string[]>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    for (const dep of dependsOn[id] ?? []) {
      const found = visit(dep, [...path, id]);
      if (found) return found;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of Object.keys(dependsOn)) {
    const found = visit(id, []);
    if (found) return found;
  }
  return undefined;
}
