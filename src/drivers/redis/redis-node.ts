import type { Redis } from 'ioredis';
import type { Entity } from '../../core/entity.js';
import { PolledNode } from '../replication/polled-node.js';
import type { DriverContext } from '../entity-type.js';
import { fenceWithFallback } from '../replication/fence-fallback.js';
import { splitAddress, writablePeer } from '../replication/group-primary.js';
import { LagTracker } from './lag-tracker.js';
import { openNodeClient, whenConnected } from './redis-client.js';
import type { RedisConfig } from './redis-config.js';
import { applyFence, liftFence, type SavedWriteSettings } from './redis-fence.js';
import { parseReplicationInfo, type ReplicationInfo } from './redis-info.js';
import { sentinelWatchers } from './sentinel-watchers.js';

/** How a fence took hold: by command on a reachable server, because nothing listens, or by the STONITH hook. */
export type FenceHow = 'paused' | 'absent' | 'command';

/**
 * The live side of a `redis` entity: polls `INFO replication` (and, on a replica, its primary's offset for
 * the lag), publishes the sensors, and carries out promote, demote and fence. The fence is state of this
 * driver: while it holds, every poll re-applies it, and a fenced server that answers again rejoins as a
 * replica of the group's primary (when `fence.rejoin`), so an old primary never comes back writable for
 * longer than one poll. Each read also counts the Redis Sentinels that watch the server (`sentinels`).
 */
export class RedisNode extends PolledNode<ReplicationInfo> {
  readonly client: Redis;
  readonly address: string;
  private saved: SavedWriteSettings | undefined;
  private readonly lag = new LagTracker();
  private source: { address: string; client: Redis } | undefined;
  /** Redis Sentinels watching the server, as of the last read (undefined when it did not say). */
  private sentinels: number | undefined;
  /** An old primary back after its group failed over without it rejoins the new primary at once (Sentinel takes 8 s). */
  protected override readonly lapsedPrimaryOwesFence = true;

  constructor(entity: Entity, private readonly config: RedisConfig, private readonly context: DriverContext) {
    super(entity, context.recordOperation);
    this.client = openNodeClient({ host: config.host, port: config.port, timeoutMs: config.timeout, ...(config.password === undefined ? {} : { password: config.password }) });
    this.address = `${config.host}:${config.port}`;
  }

  protected async read(): Promise<ReplicationInfo> {
    await whenConnected(this.client, this.config.timeout);
    const info = parseReplicationInfo(await this.client.info('replication'));
    this.sentinels = await sentinelWatchers(this.client);
    // an old primary whose fence failed, back while another member took over: fenced (and rejoined) now
    this.settleOwedFence(info.role === 'master');
    return this.fenced ? this.keepFenced(info) : info;
  }

  /** Re-applies the fence, or ends it by rejoining the group's primary as a replica. */
  private async keepFenced(info: ReplicationInfo): Promise<ReplicationInfo> {
    const primary = this.config.fence.rejoin ? writablePeer(this.entity) : undefined;
    if (primary && info.role === 'slave' && info.master === primary.address) {
      await this.unfence();
      return info;
    }
    if (primary) {
      await this.follow(primary.address);
      return parseReplicationInfo(await this.client.info('replication'));
    }
    if (info.role === 'master') this.saved = await applyFence(this.client, this.config.fence.pause, this.saved);
    return info;
  }

  protected async publish(info: ReplicationInfo): Promise<void> {
    const e = this.entity;
    e.sensor('role').publish(this.fenced ? 'fenced' : info.role === 'master' ? 'primary' : 'replica');
    e.sensor('replication.offset').publish(info.offset);
    e.sensor('replication.replicas').publish(info.connectedReplicas);
    e.sensor('replication.source').publish(info.master ?? '');
    if (this.sentinels !== undefined) e.sensor('sentinels').publish(this.sentinels);
    if (info.role === 'master') {
      e.sensor('replication.lag').publish(0);
    } else {
      e.sensor('replication.link.up').publish(info.linkUp === true);
      await this.sampleSource(info.master ?? '');
      const lag = this.lag.lagSeconds(info.offset);
      if (lag !== undefined) e.sensor('replication.lag').publish(lag);
      const behind = this.lag.primaryOffset === undefined ? undefined : Math.max(0, this.lag.primaryOffset - info.offset);
      if (behind !== undefined) e.sensor('replication.lag.bytes').publish(behind);
    }
    e.setUp(!this.fenced);
  }

  /** Reads the offset of the primary this replica follows, for the lag in seconds. */
  private async sampleSource(address: string): Promise<void> {
    if (this.source?.address !== address) {
      this.source?.client.disconnect();
      const { host, port } = splitAddress(address);
      this.source = { address, client: openNodeClient({ host, port, timeoutMs: this.config.timeout, ...(this.config.password === undefined ? {} : { password: this.config.password }) }) };
    }
    try {
      await whenConnected(this.source.client, this.config.timeout);
      const info = parseReplicationInfo(await this.source.client.info('replication'));
      this.lag.record(address, info.offset, this.context.scheduler.now());
    } catch {
      // the primary is down or cut off: the lag stays what it was against its last known offset
    }
  }

  /**
   * Fences the server: by command when it answers; when the host says nothing listens on the port, it
   * cannot take writes and is fenced by its absence (re-fenced the moment it answers again); when it does
   * not answer at all, by the fence command if there is one.
   * @throws FenceFailedError when it cannot be reached and no fence command succeeded
   */
  async fence(signal: AbortSignal): Promise<{ fenced: FenceHow }> {
    const { host, port, timeout, fence } = this.config;
    const target = { entityId: this.entity.id, host, port, probeTimeoutMs: timeout, commandTimeoutMs: fence.commandTimeout, ...(fence.command ? { command: fence.command } : {}) };
    return this.fencing(() => fenceWithFallback(target, async () => {
      this.saved = await applyFence(this.client, fence.pause, this.saved);
      return 'paused' as const;
    }, signal));
  }

  /** Makes the server a primary (`REPLICAOF NO ONE`) and lifts any fence. */
  async promote(): Promise<void> {
    await liftFence(this.client, this.saved);
    // an error reply is the server's refusal; a timeout or a lost connection leaves the outcome unknown
    await this.promoting(() => this.client.call('REPLICAOF', 'NO', 'ONE'), (error) => error instanceof Error && error.name === 'ReplyError');
    this.clearFence();
    await this.refresh();
  }

  /** Makes the server a replica of `address` (`REPLICAOF host port`) and lifts any fence. */
  async follow(address: string): Promise<void> {
    const { host, port } = splitAddress(address);
    // unpause first: a paused server holds the replication handshake too
    await this.client.call('CLIENT', 'UNPAUSE');
    await this.client.call('REPLICAOF', host, String(port));
    await this.unfence();
  }

  /** Ends the fence without changing the role. */
  async unfence(): Promise<void> {
    await liftFence(this.client, this.saved);
    this.clearFence();
    this.saved = undefined;
  }

  /** Closes the connections. */
  close(): void {
    this.client.disconnect();
    this.source?.client.disconnect();
  }
}
