import { z } from 'zod';
import { durationSchema, intervalSchema } from '../../core/duration.js';
import { groupSizeSchema } from '../../core/limits.js';
import { checkTemplate } from '../../effectors/kinds/template.js';

/** Names a process template may use. */
export const PROCESS_TEMPLATE_NAMES = ['id', 'index', 'port', 'version'] as const;

const known = (ref: string): string | undefined =>
  (PROCESS_TEMPLATE_NAMES as readonly string[]).includes(ref) ? undefined : `unknown template name '{{${ref}}}' (a process template may use ${PROCESS_TEMPLATE_NAMES.map((n) => `{{${n}}}`).join(', ')})`;

/** A string that may hold `{{id}}`, `{{index}}`, `{{port}}`, `{{version}}`, checked when the blueprint is validated. */
const template = z.string().superRefine((text, ctx) => {
  for (const message of checkTemplate(text, known)) ctx.addIssue({ code: 'custom', message });
});

const healthSchema = z
  .strictObject({
    /** Healthy when this URL answers 2xx (or `status`). */
    http: template.optional(),
    /** Healthy when a TCP connection to the process's port opens. */
    tcp: z.boolean().optional(),
    status: z.number().int().min(100).max(599).optional(),
    /** Time between checks. Default 1 s. */
    every: intervalSchema.default(1_000),
    timeout: intervalSchema.default(1_000),
    /** Failed checks in a row that take a process that is up down (Kubernetes' failureThreshold). Default 3. */
    failureThreshold: z.number().int().min(1).max(1_000).default(3),
    /** Passed checks in a row that bring a process that is down (or starting) up. Default 1. */
    successThreshold: z.number().int().min(1).max(1_000).default(1),
    /**
     * A process that has not passed its checks this long after it started is failed (on-fire, so that a
     * restarter acts on it) rather than left starting for ever. Default 5 min.
     */
    startTimeout: intervalSchema.default(300_000),
  })
  .refine((h) => (h.http === undefined) !== (h.tcp === undefined), { message: "a health check needs exactly one of 'http' (a URL) or 'tcp: true'" });

/** Config of a `process` entity (also the template of a process-group's members). */
export const processConfigSchema = z.strictObject({
  /** Program to run (looked up in PATH when it has no slash). Never a shell command line. */
  command: template.pipe(z.string().min(1, 'the command is empty')),
  args: z.array(template, { error: 'args is a list: one item per argument' }).default([]),
  /** Extra environment; `PORT`, `HOMEOSTAT_INDEX` and `HOMEOSTAT_ENTITY` are set too. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), template).default({}),
  /** Pass homeostat's own environment on too. Default true. */
  inheritEnv: z.boolean().default(true),
  /** Working directory, relative to the blueprint's folder. Default that folder. */
  cwd: template.optional(),
  /** The port it serves on; a group member gets its group's basePort + index - 1, else a free port when a template uses {{port}}. */
  port: z.number().int().min(1).max(65_535).optional(),
  health: healthSchema.optional(),
  /** After SIGTERM, SIGKILL after this long. Default 10 s. */
  stopGrace: durationSchema.default(10_000),
  /** How often CPU and RSS are read from /proc. Default 5 s. */
  sampleEvery: intervalSchema.default(5_000),
  /** Software version at start (`{{version}}` in templates; `update` changes it). Default '1'. */
  version: z.string().min(1).default('1'),
  /** What to do with a process a previous run left (found by its pid file): adopt it when it was started from the same spec, or always stop it and start afresh. */
  onOrphan: z.enum(['adopt', 'clean']).default('adopt'),
});

/** Parsed config of a process. */
export type ProcessConfig = z.output<typeof processConfigSchema>;

/** Config of a process-group. */
export const processGroupConfigSchema = z
  .strictObject({
    initialSize: groupSizeSchema().default(1),
    /** Member N (1-based index) serves on basePort + N - 1. Default: each member gets a free port. */
    basePort: z.number().int().min(1).max(65_535).optional(),
  })
  .refine((c) => c.basePort === undefined || c.basePort + c.initialSize - 1 <= 65_535, { message: 'basePort + initialSize - 1 must be a port (at most 65535)', path: ['basePort'] });

/** Parsed config of a process-group. */
export type ProcessGroupConfig = z.output<typeof processGroupConfigSchema>;
