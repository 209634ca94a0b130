import { z } from 'zod';
import { durationSchema } from '../../core/duration.js';
import { fenceCommandSchema } from '../replication/fence-command.js';

const fenceSchema = z.strictObject({
  /**
   * `stop`: a fast shutdown (`pg_ctl stop -m fast`; needs `dataDir`): nothing can write to it. `read-only`:
   * `default_transaction_read_only` on through ALTER SYSTEM and every client session ended (a client can
   * still ask for a read-write transaction explicitly). Either way it is re-applied while fenced. Default
   * `stop` when `dataDir` is set, else `read-only`.
   */
  mode: z.enum(['stop', 'read-only']).optional(),
  /** STONITH hook run when the server does not answer (argv; `{{id}}`, `{{host}}`, `{{port}}`). */
  command: fenceCommandSchema.optional(),
  /** Time the fence (shutdown or command) may take. Default 20 s. */
  timeout: durationSchema.default(20_000),
});

/** Config of a `postgres` entity: one PostgreSQL server that homeostat observes and commands. */
export const pgConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65_535),
  user: z.string().min(1).default('postgres'),
  database: z.string().min(1).default('postgres'),
  password: z.string().min(1).optional(),
  /** Data directory of a server on this machine: enables fencing by shutdown and `rejoin` (pg_rewind). */
  dataDir: z.string().min(1).optional(),
  /** Folder of pg_ctl and pg_rewind; default found from PATH or /usr/lib/postgresql/N/bin. */
  binDir: z.string().min(1).optional(),
  /** Preference in elections: higher wins among eligible replicas. Default 1. */
  weight: z.number().min(0).default(1),
  /** How often the server is read. Default 1 s. */
  every: durationSchema.default(1_000),
  /** Longest wait for a connection or a query. Default 1 s. */
  timeout: durationSchema.default(1_000),
  /** Replication group, when its databases are not siblings; default the parent's. */
  group: z.string().min(1).optional(),
  fence: fenceSchema.default(fenceSchema.parse({})),
});

/** Parsed config of a `postgres` entity. */
export type PgConfig = z.output<typeof pgConfigSchema>;
