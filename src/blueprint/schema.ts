import { z } from 'zod';
import { durationSchema, intervalSchema } from '../core/duration.js';
import { MAX_BUDGET_ACTIONS } from '../core/limits.js';
import { resourcesSchema } from '../core/quantity.js';
import { quotaDeclSchema } from '../core/quota.js';
import { quorumRuleSchema } from '../core/quorum.js';
import { guardsSchema } from '../planners/guard-schema.js';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "an id is letters, digits, '-', '_' or '.'");
const sensorName = z.string().regex(/^[a-z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*$/, "a sensor name is dotted identifiers, e.g. 'cpu.mean'");

/** A sensor declared in a blueprint (values come from drivers, feeds or the API). */
export const sensorDeclSchema = z.strictObject({
  name: sensorName,
  type: z.enum(['number', 'boolean', 'string', 'json']).default('number'),
  staleAfter: intervalSchema.optional(),
  unit: z.string().optional(),
  description: z.string().optional(),
  /** Readings may be pushed through the API (`POST /entities/:id/sensors/:name`) or `pushReading`. */
  pushable: z.boolean().default(false),
  /** Readings the HTTP service keeps for the history view even before anyone asks (1 to 10000). */
  history: z.number().int().min(1).max(10_000).optional(),
});

/** An enricher declared in a blueprint, by kind. */
export const enricherDeclSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('aggregate'),
    from: z.enum(['children', 'members']),
    sensor: sensorName,
    op: z.enum(['sum', 'mean', 'min', 'max', 'count', 'fractionUp']),
    publish: sensorName,
    minCoverage: z.number().min(0).max(1).optional(),
    staleAfter: intervalSchema.optional(),
  }),
  z.strictObject({
    kind: z.literal('transform'),
    sensor: sensorName,
    publish: sensorName,
    multiply: z.number().default(1),
    add: z.number().default(0),
    min: z.number().optional(),
    max: z.number().optional(),
  }).refine((t) => t.min === undefined || t.max === undefined || t.min <= t.max, { message: 'min must not exceed max', path: ['min'] }),
  z.strictObject({ kind: z.literal('rate'), sensor: sensorName, publish: sensorName, per: intervalSchema.default(1000) }),
  z.strictObject({
    kind: z.literal('rollingMean'),
    sensor: sensorName,
    publish: sensorName,
    window: intervalSchema,
    minCoverage: z.number().gt(0).max(1).default(0.8),
  }),
  z.strictObject({
    kind: z.literal('percentiles'),
    sensor: sensorName,
    publish: sensorName,
    window: intervalSchema,
    percentiles: z.array(z.number().gt(0).lt(100)).min(1).default([50, 90, 99]),
  }),
]);

/** A health feed: polls a connection check into a boolean sensor (usually `service.up`). */
export const feedDeclSchema = z
  .strictObject({
    sensor: sensorName.default('service.up'),
    every: intervalSchema.default(10_000),
    tcp: z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65_535), timeout: intervalSchema.default(2_000) }).optional(),
    http: z.strictObject({ url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }), timeout: intervalSchema.default(3_000), status: z.number().int().min(100).max(599).optional() }).optional(),
  })
  .refine((f) => (f.tcp === undefined) !== (f.http === undefined), { message: "a feed needs exactly one of 'tcp' or 'http'" });

/** A policy attached in a blueprint: a built-in by name (`use`) or a module by path (`module`). */
export const policyDeclSchema = z
  .strictObject({
    use: z.string().min(1).optional(),
    module: z.string().min(1).optional(),
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_./-]*$/).optional(),
    config: z.record(z.string(), z.unknown()).default({}),
    cooldown: durationSchema.default(0),
    dryRun: z.boolean().default(false),
    suspended: z.boolean().default(false),
    /** Guards: the policy acts only while these conditions on other entities' sensors hold (else `blocked`). */
    when: guardsSchema.optional(),
  })
  .refine((p) => (p.use === undefined) !== (p.module === undefined), { message: "a policy needs exactly one of 'use' (a built-in name) or 'module' (a path)" });

/** Blueprint quorum: which set and which rule decide the entity's `service.up` (strict: a stray key is reported). */
const quorumFrom = z.enum(['children', 'members']);
export const quorumDeclSchema = z.discriminatedUnion('rule', [
  z.strictObject({ from: quorumFrom, rule: z.literal('all') }),
  z.strictObject({ from: quorumFrom, rule: z.literal('atLeastOne') }),
  z.strictObject({ from: quorumFrom, rule: z.literal('atLeast'), n: quorumRuleSchema.options[2].shape.n }),
  z.strictObject({ from: quorumFrom, rule: z.literal('fraction'), value: quorumRuleSchema.options[3].shape.value }),
]);

/** One entity node, children not yet validated (each child is validated on its own, so one bad node does not hide others). */
export const entityNodeSchema = z.strictObject({
  id,
  type: z.string().min(1).default('entity'),
  name: z.string().optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  sensors: z.array(sensorDeclSchema).default([]),
  enrichers: z.array(enricherDeclSchema).default([]),
  feeds: z.array(feedDeclSchema).default([]),
  /** Effectors declared by kind (`http`, `exec`, ...); validated item by item in effector-decl.ts. */
  effectors: z.array(z.unknown()).default([]),
  policies: z.array(policyDeclSchema).default([]),
  quorum: quorumDeclSchema.optional(),
  /** At most `actions` effector invocations on this subtree per `window` (plans past it are rate_limited). */
  budget: z.strictObject({ actions: z.number().int().min(1).max(MAX_BUDGET_ACTIONS), window: intervalSchema }).optional(),
  members: z.array(id).default([]),
  /**
   * With `homeostat run --ha --shards`: this subtree is a shard of its own (one lease), besides the root's
   * own shard and each top-level subtree. Not on the root (always a shard) nor on a memberSpec.
   */
  shard: z.boolean().optional(),
  memberSpec: z.record(z.string(), z.unknown()).optional(),
  children: z.array(z.unknown()).default([]),
  /** The tenant this subtree belongs to: a token of another tenant never sees it or acts on it. */
  tenant: id.optional(),
  /** Quota of the subtree: members in all, declared resources across members, operations at once. */
  quota: quotaDeclSchema.optional(),
  /** What one instance of this entity uses (`cpu: 500m`, `memory: 512Mi`), counted against quotas. */
  resources: resourcesSchema.optional(),
});

/** Top level of a blueprint. */
export const blueprintTopSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  engine: z.strictObject({ dryRun: z.boolean().default(false) }).default({ dryRun: false }),
  /** Modules (paths relative to the blueprint) that add entity types and effector kinds. */
  types: z.array(z.string().min(1)).default([]),
  /** Tenants by id, with a quota over all the subtrees that name them (`tenant:` on an entity). */
  tenants: z.record(id, z.strictObject({ quota: quotaDeclSchema.optional(), description: z.string().optional() })).default({}),
  application: z.unknown(),
});

export type SensorDecl = z.infer<typeof sensorDeclSchema>;
export type EnricherDecl = z.infer<typeof enricherDeclSchema>;
export type FeedDecl = z.output<typeof feedDeclSchema>;
export type PolicyDecl = z.infer<typeof policyDeclSchema>;
export type QuorumDecl = z.infer<typeof quorumDeclSchema>;
