import type { Entity } from '../../core/entity.js';
import { HomeostatError } from '../../core/errors.js';
import type { RecordOperation } from '../../effectors/progressive/operation-record.js';
import { writablePeer } from './group-primary.js';

/**
 * The polling and fence state shared by the drivers of real databases: one read of the server at a time,
 * its sensors published from each read, `service.up` false when a read fails, and a fence that is this
 * driver's state (a fenced server reports role `fenced` and is not up). A fence that failed is owed: when
 * the server answers again as a primary while another member of its group is the writable primary (a
 * failover with `fence: best-effort` promoted one meanwhile), it is fenced then, on that read, and the late
 * fence is recorded as an operation; when it answers as a replica, or as the group's only primary (nothing
 * was promoted), the debt is dropped. Drivers that set `lapsedPrimaryOwesFence` also owe it for a primary that
 * stops answering (the group may fail over without homeostat meanwhile: Sentinel, a person). A promotion whose command got no answer (a timeout, a cut link) may
 * have taken on the server: the server is then counted a primary that is not up until it is read again, so
 * a failover fences it before promoting another rather than taking it for a replica that is down.
 */
/**
 * Reads a server back from a lapse as a primary owes its fence before the debt is dropped for want of another
 * writable primary: one read of each member is not enough to have seen the one promoted meanwhile.
 */
const LAPSED_DEBT_READS = 20;

export abstract class PolledNode<Reading> {
  protected fenced = false;
  /** A fence owed (see the class): because it failed, or because the server stopped answering as the primary. */
  private fenceOwed: 'failed' | 'lapsed' | undefined;
  /**
   * Whether a primary that stops answering owes a fence (settled as a failed one's is): a driver whose late
   * fence makes the server rejoin the new primary (Redis) sets it, so an old primary that comes back after its
   * group failed over without homeostat (Sentinel, a person) follows the new one at once.
   */
  protected readonly lapsedPrimaryOwesFence: boolean = false;
  /** Reads as the only primary since a lapsed debt's server answered again (see `LAPSED_DEBT_READS`). */
  private lapsedReads = 0;
  private inflight: Promise<void> | undefined;

  protected constructor(protected readonly entity: Entity, private readonly record?: RecordOperation) {}

  /** One poll unless one is under way (the interval's tick). */
  tick(): void {
    this.inflight ??= this.pollOnce().finally(() => (this.inflight = undefined));
  }

  /** Waits for a poll in progress, then polls again: sensors reflect what an effector just did. */
  async refresh(): Promise<void> {
    await this.inflight;
    await this.pollOnce();
  }

  /** Reads the server (re-applying a fence that holds); rejects when it does not answer. */
  protected abstract read(): Promise<Reading>;

  /** Publishes the sensors of one read. */
  protected abstract publish(reading: Reading): Promise<void>;

  private async pollOnce(): Promise<void> {
    let reading: Reading;
    try {
      reading = await this.read();
    } catch {
      this.entity.setUp(false);
      if (this.lapsedPrimaryOwesFence && !this.fenced && this.entity.sensor<string>('role').current?.value === 'primary') {
        this.fenceOwed ??= 'lapsed';
        this.lapsedReads = 0;
      }
      return;
    }
    await this.publish(reading);
  }

  /** Runs a fence; when it fails, the fence is owed (see the class). */
  protected async fencing<How extends string>(work: () => Promise<How>): Promise<{ fenced: How }> {
    try {
      return this.markFenced(await work());
    } catch (error) {
      this.fenceOwed = 'failed';
      throw error;
    }
  }

  /**
   * Settles an owed fence on a read that answered: `asPrimary` is whether the server says it is a primary.
   * Returns true when it is fenced now (the caller then applies the fence as for any fenced server, before
   * publishing); false, and the debt dropped, when it is a replica or no other member is a writable primary.
   */
  protected settleOwedFence(asPrimary: boolean): boolean {
    const owed = this.fenceOwed;
    if (!owed) return false;
    const other = asPrimary ? writablePeer(this.entity) : undefined;
    if (!other) {
      // the polls of a group's members do not line up: a primary back after a lapse may be read before the
      // member promoted meanwhile is (on a loaded host, by seconds), so a lapsed debt holds for a few reads
      if (asPrimary && owed === 'lapsed' && ++this.lapsedReads < LAPSED_DEBT_READS) return false;
      this.fenceOwed = undefined;
      this.lapsedReads = 0;
      return false;
    }
    this.fenceOwed = undefined;
    this.lapsedReads = 0;
    // fenced in the sensors at once: a read that fails from here on (a shutdown) leaves it so
    this.markFenced('late');
    this.record?.({
      entity: this.entity.id,
      operation: 'late-fence',
      symptom: { kind: 'second-primary', detail: { primary: other.entity.id } },
      actions: [{ entity: this.entity.id, effector: 'fence' }],
      reason: `${this.entity.id} answers again as a primary while ${other.entity.id} (${other.address}) is the writable primary of its group; ${owed === 'failed' ? 'its fence had failed' : 'it stopped answering as the primary and the group failed over without it (Sentinel, a person or the failover policy)'}, so it is fenced now`,
      outcome: 'applied',
    });
    return true;
  }

  /**
   * Runs the command that promotes the server. When it fails without an answer of the server (`answered`
   * says which errors are the server's own refusals), the server may be a primary now: role `primary`, not
   * up, until the next read says otherwise.
   * @throws PromotionUnconfirmedError in that case; else what the command threw
   */
  protected async promoting(command: () => Promise<unknown>, answered: (error: unknown) => boolean): Promise<void> {
    try {
      await command();
    } catch (error) {
      if (answered(error)) throw error;
      this.entity.sensor('role').publish('primary');
      this.entity.setUp(false);
      throw new PromotionUnconfirmedError(this.entity.id, error);
    }
  }

  /** Ends a fence and any fence owed (promoted, or following a primary). */
  protected clearFence(): void {
    this.fenced = false;
    this.fenceOwed = undefined;
  }

  /** Records the fence: role `fenced`, not up. */
  protected markFenced<How extends string>(how: How): { fenced: How } {
    this.fenced = true;
    this.fenceOwed = undefined;
    this.entity.sensor('role').publish('fenced');
    this.entity.setUp(false);
    return { fenced: how };
  }
}

/** A promotion sent to a server that gave no answer: it may be a primary now (not retried: the failover decides again). */
export class PromotionUnconfirmedError extends HomeostatError {
  constructor(entityId: string, cause: unknown) {
    super('E_PROMOTE_UNCONFIRMED', `'${entityId}' gave no answer to its promotion (${cause instanceof Error ? cause.message : String(cause)}); it may be a primary now, so it counts as a primary that is not up until it is read again: fence it before promoting another server`, { retryable: false, cause });
  }
}
