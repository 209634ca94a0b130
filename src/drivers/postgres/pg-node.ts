import type { Entity } from '../../core/entity.js';
import { PolledNode } from '../replication/polled-node.js';
import type { DriverContext } from '../entity-type.js';
import { LagTracker } from '../redis/lag-tracker.js';
import { FenceFailedError } from '../replication/fence-command.js';
import { fenceWithFallback } from '../replication/fence-fallback.js';
import { splitAddress } from '../replication/group-primary.js';
import type { PgConfig } from './pg-config.js';
import { pgBinDir, runAs, runPg } from './pg-binaries.js';
import { currentLsn, readStatus, withClient, type PgEndpoint, type PgStatus } from './pg-status.js';
import { conninfo, rejoinAsStandby } from './pg-rejoin.js';
import { HomeostatError } from '../../core/errors.js';

/** How a fence took hold: shut down, made read-only, nothing listening, or by the STONITH hook. */
export type PgFenceHow = 'stopped' | 'read-only' | 'absent' | 'command';

/**
 * The live side of a `postgres` entity: polls role, WAL position, standbys, WAL receiver and the sessions of a
 * Patroni daemon (`patroni`: Patroni manages the server); on a standby,
 * also its primary's WAL position, for the lag in seconds; carries out promote, fence and rejoin. A fence
 * is this driver's state: while it holds, a server that answers as a primary again is fenced again.
 */
export class PgNode extends PolledNode<PgStatus> {
  readonly address: string;
  readonly endpoint: PgEndpoint;
  private readonly lag = new LagTracker();
  private lastSource: string | undefined;

  constructor(entity: Entity, private readonly config: PgConfig, private readonly context: DriverContext) {
    super(entity, context.recordOperation);
    this.address = `${config.host}:${config.port}`;
    this.endpoint = { host: config.host, port: config.port, user: config.user, database: config.database, timeoutMs: config.timeout, ...(config.password === undefined ? {} : { password: config.password }) };
  }

  /** The fence mode in force: `stop` needs the data directory. */
  get fenceMode(): 'stop' | 'read-only' {
    return this.config.fence.mode ?? (this.config.dataDir === undefined ? 'read-only' : 'stop');
  }

  protected async read(): Promise<PgStatus> {
    const status = await withClient(this.endpoint, readStatus);
    // an old primary whose fence failed, back while another member took over, is fenced now
    if ((this.settleOwedFence(!status.inRecovery) || this.fenced) && !status.inRecovery) await this.applyFence();
    return status;
  }

  protected async publish(status: PgStatus): Promise<void> {
    const e = this.entity;
    e.sensor('role').publish(this.fenced ? 'fenced' : status.inRecovery ? 'replica' : 'primary');
    e.sensor('replication.offset').publish(status.lsn);
    e.sensor('replication.replicas').publish(status.replicas);
    e.sensor('patroni').publish(status.patroniSessions);
    if (!status.inRecovery) {
      e.sensor('replication.source').publish('');
      e.sensor('replication.lag').publish(0);
    } else {
      if (status.source) this.lastSource = status.source;
      e.sensor('replication.source').publish(this.lastSource ?? '');
      e.sensor('replication.link.up').publish(status.streaming);
      if (this.lastSource) await this.sampleSource(this.lastSource);
      const lag = this.lag.lagSeconds(status.lsn);
      if (lag !== undefined) e.sensor('replication.lag').publish(lag);
      if (this.lag.primaryOffset !== undefined) e.sensor('replication.lag.bytes').publish(Math.max(0, this.lag.primaryOffset - status.lsn));
    }
    e.setUp(!this.fenced);
  }

  private async sampleSource(address: string): Promise<void> {
    try {
      const { host, port } = splitAddress(address);
      const lsn = await withClient({ ...this.endpoint, host, port }, currentLsn);
      if (Number.isFinite(lsn)) this.lag.record(address, lsn, this.context.scheduler.now());
    } catch {
      // the primary is down or cut off: the lag stays what it was against its last known position
    }
  }

  /** Makes a reachable primary take no writes: read-only and sessions ended, then shut down in `stop` mode. */
  private async applyFence(signal?: AbortSignal): Promise<PgFenceHow> {
    await withClient(this.endpoint, async (client) => {
      await client.query('ALTER SYSTEM SET default_transaction_read_only = on');
      await client.query('SELECT pg_reload_conf()');
      await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
    });
    if (this.fenceMode === 'read-only' || this.config.dataDir === undefined) return 'read-only';
    await runPg(pgBinDir(this.config.binDir), 'pg_ctl', ['stop', '-D', this.config.dataDir, '-m', 'fast', '-w', '-t', String(Math.ceil(this.config.fence.timeout / 1000))], { user: runAs(this.config.dataDir), timeoutMs: this.config.fence.timeout, cwd: this.config.dataDir, ...(signal ? { signal } : {}) });
    return 'stopped';
  }

  /**
   * Fences the server: by command when it answers; counted fenced when the host says nothing listens on the
   * port (and fenced again the moment it answers as a primary); by the fence command when it does not answer.
   * @throws FenceFailedError when it cannot be reached and no fence command succeeded
   */
  async fence(signal: AbortSignal): Promise<{ fenced: PgFenceHow }> {
    const { host, port, timeout, fence } = this.config;
    const target = { entityId: this.entity.id, host, port, probeTimeoutMs: timeout, commandTimeoutMs: fence.timeout, ...(fence.command ? { command: fence.command } : {}) };
    return this.fencing(() => fenceWithFallback(target, () => this.applyFence(signal), signal));
  }

  /** Promotes a standby (`pg_promote`, waiting for it) and undoes a read-only fence. */
  async promote(): Promise<void> {
    await withClient({ ...this.endpoint, timeoutMs: Math.max(this.endpoint.timeoutMs, 65_000) }, async (client) => {
      const { rows } = await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
      // an error the server reports (it has a severity) is its refusal; a timeout or a lost connection is not
      if (rows[0]?.recovery) await this.promoting(() => client.query('SELECT pg_promote(true, 60)'), (error) => typeof error === 'object' && error !== null && 'severity' in error);
      await client.query('ALTER SYSTEM RESET default_transaction_read_only');
      await client.query('SELECT pg_reload_conf()');
    });
    this.clearFence();
    await this.refresh();
  }

  /**
   * Points this standby at another primary (`primary_conninfo` through ALTER SYSTEM and a reload; the
   * standby follows the new primary's timeline on its own).
   * @throws HomeostatError E_NOT_A_STANDBY on a primary: an old primary rejoins with `rejoin` (pg_rewind)
   */
  async follow(address: string): Promise<void> {
    const { host, port } = splitAddress(address);
    await withClient(this.endpoint, async (client) => {
      const { rows } = await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
      if (!rows[0]?.recovery) throw new HomeostatError('E_NOT_A_STANDBY', `'${this.entity.id}' is a primary: fence it and use rejoin (pg_rewind) to make it a standby`);
      await client.query(`ALTER SYSTEM SET primary_conninfo = ${client.escapeLiteral(conninfo({ ...this.endpoint, host, port }))}`);
      await client.query('SELECT pg_reload_conf()');
    });
    this.lastSource = address;
    await this.refresh();
  }

  /** Turns this (old primary) server into a standby of `address`: shut down, pg_rewind, standby.signal, start. */
  async rejoin(address: string, signal: AbortSignal): Promise<{ rewound: boolean }> {
    if (this.config.dataDir === undefined) throw new FenceFailedError(this.entity.id, 'rejoin needs the dataDir of a server on this machine');
    const result = await rejoinAsStandby({ dataDir: this.config.dataDir, binDir: pgBinDir(this.config.binDir), port: this.config.port, source: { ...this.endpoint, ...splitAddress(address) }, timeoutMs: this.config.fence.timeout * 3, signal });
    this.clearFence();
    this.lastSource = address;
    await this.refresh();
    return result;
  }
}
