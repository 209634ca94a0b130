import type { Entity } from '../../core/entity.js';

/**
 * The polling and fence state shared by the drivers of real databases: one read of the server at a time,
 * its sensors published from each read, `service.up` false when a read fails, and a fence that is this
 * driver's state (a fenced server reports role `fenced` and is not up).
 */
export abstract class PolledNode<Reading> {
  protected fenced = false;
  private inflight: Promise<void> | undefined;

  protected constructor(protected readonly entity: Entity) {}

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
      return;
    }
    await this.publish(reading);
  }

  /** Records the fence: role `fenced`, not up. */
  protected markFenced<How extends string>(how: How): { fenced: How } {
    this.fenced = true;
    this.entity.sensor('role').publish('fenced');
    this.entity.setUp(false);
    return { fenced: how };
  }
}
