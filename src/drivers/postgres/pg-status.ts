import { Socket } from 'node:net';
import type pg from 'pg';
import { dynamicImport } from '../../core/dynamic-import.js';
import { PATRONI_SESSIONS_SQL } from './patroni-sessions.js';

/** What one poll of a PostgreSQL server reads. */
export interface PgStatus {
  readonly inRecovery: boolean;
  /** WAL position reached, bytes: written (primary) or replayed (standby). */
  readonly lsn: number;
  /** Standbys streaming from this server. */
  readonly replicas: number;
  /** On a standby: `host:port` its WAL receiver streams from, when it is streaming. */
  readonly source?: string;
  /** On a standby: whether its WAL receiver is streaming. */
  readonly streaming: boolean;
  /** Sessions a Patroni daemon holds on the server (more than 0: Patroni manages it). */
  readonly patroniSessions: number;
}

const STATUS_SQL = `SELECT pg_is_in_recovery() AS recovery,
  (CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_replay_lsn(), '0/0') ELSE pg_current_wal_lsn() END - '0/0'::pg_lsn)::text AS lsn,
  (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming')::int AS replicas,
  (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver,
  (SELECT sender_host || ':' || sender_port FROM pg_stat_wal_receiver LIMIT 1) AS source,
  ${PATRONI_SESSIONS_SQL} AS patroni`;

/** Where and how to connect. */
export interface PgEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly password?: string;
  readonly timeoutMs: number;
}

/** Most bytes one connection may receive: a status read is a few hundred, the largest answer here some KiB. */
const CONNECTION_BYTE_LIMIT = 4 * 1024 * 1024;

/**
 * A socket that destroys itself once it has received more than `CONNECTION_BYTE_LIMIT`: something on the
 * port that is not PostgreSQL and sends without end (pg reads its bytes as the length of one message and
 * buffers them: 2 GB in 2.5 s on loopback) costs 4 MiB, and the error names it.
 */
function boundedSocket(address: string): Socket {
  const socket = new Socket();
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > CONNECTION_BYTE_LIMIT) socket.destroy(new Error(`${address} sent more than ${CONNECTION_BYTE_LIMIT / (1 << 20)} MiB on one connection (is it a PostgreSQL server?)`));
  });
  return socket;
}

/** Runs `work` on a fresh connection (bounded by the endpoint's timeout), and closes it. */
export async function withClient<T>(endpoint: PgEndpoint, work: (client: pg.Client) => Promise<T>): Promise<T> {
  // pg is loaded on first use, not with the driver: validate and simulate register the type and never connect
  const { default: driver } = await dynamicImport<typeof import('pg')>('pg');
  const client = new driver.Client({
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    database: endpoint.database,
    ...(endpoint.password === undefined ? {} : { password: endpoint.password }),
    stream: () => boundedSocket(`${endpoint.host}:${endpoint.port}`),
    connectionTimeoutMillis: endpoint.timeoutMs,
    query_timeout: endpoint.timeoutMs,
    application_name: 'homeostat',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } finally {
    void client.end().catch(() => undefined);
  }
}

/** Reads role, WAL position, standbys, the WAL receiver and Patroni's sessions in one query. */
export async function readStatus(client: pg.Client): Promise<PgStatus> {
  const { rows } = await client.query<{ recovery: boolean; lsn: string; replicas: number; receiver: string | null; source: string | null; patroni: number }>(STATUS_SQL);
  const row = rows[0];
  if (!row) throw new Error('the status query returned no row');
  return { inRecovery: row.recovery, lsn: Number(row.lsn), replicas: row.replicas, streaming: row.receiver === 'streaming', patroniSessions: row.patroni, ...(row.source ? { source: row.source } : {}) };
}

/** The WAL position a primary has written (bytes). */
export async function currentLsn(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ lsn: string }>(`SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END - '0/0'::pg_lsn)::text AS lsn`);
  return Number(rows[0]?.lsn ?? Number.NaN);
}
