import { z } from 'zod';
import { durationSchema } from '../../core/duration.js';
import { fenceCommandSchema } from '../replication/fence-command.js';

/** How a `redis` entity fences its server. */
const fenceSchema = z.strictObject({
  /** Length of each `CLIENT PAUSE ... WRITE`; re-applied on every poll while fenced. Default 30 s. */
  pause: durationSchema.default(30_000),
  /** STONITH hook run when the server does not answer (argv; `{{id}}`, `{{host}}`, `{{port}}`). */
  command: fenceCommandSchema.optional(),
  /** Time the fence command may take. Default 10 s. */
  commandTimeout: durationSchema.default(10_000),
  /** A fenced server that is reachable again rejoins as a replica of the group's primary. Default true. */
  rejoin: z.boolean().default(true),
});

/** Config of a `redis` entity: one redis-server that homeostat observes and commands (it does not start it). */
export const redisConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65_535),
  /** AUTH password, if the server needs one. */
  password: z.string().min(1).optional(),
  /** Preference in elections: higher wins among eligible replicas. Default 1. */
  weight: z.number().min(0).default(1),
  /** How often `INFO replication` is read. Default 1 s. */
  every: durationSchema.default(1_000),
  /** Longest wait for a command or a connection. Default 500 ms. */
  timeout: durationSchema.default(500),
  /** Replication group, when its databases are not siblings; default the parent's. */
  group: z.string().min(1).optional(),
  fence: fenceSchema.default(fenceSchema.parse({})),
});

/** Parsed config of a `redis` entity. */
export type RedisConfig = z.output<typeof redisConfigSchema>;
