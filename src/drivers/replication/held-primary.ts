import type { Entity } from '../../core/entity.js';

/** What `HeldPrimary.next` decides: the primary to publish, and when to look again if it is being held. */
export interface PrimaryChoice {
  /** The primary clients should follow: the writable one, or the held one while it is not judged failed. */
  readonly primary: Entity | undefined;
  /** When the held primary will be judged failed (scheduler ms); undefined when nothing is held. */
  readonly judgedFailedAt?: number;
}

/**
 * Keeps publishing the group's primary through failed polls. A primary that stops answering still holds the
 * role (and the address) until it is judged failed: down for `failureDelay`, the failover policy's rule,
 * or fenced, demoted, or replaced by another writable primary, whichever comes first. One slow poll on a
 * loaded machine then no longer empties the address clients follow (they would wait for the next poll to
 * write again). Two writable primaries publish none, as before.
 */
export class HeldPrimary {
  private held: { id: string; downSince: number | undefined } | undefined;

  constructor(private readonly failureDelay: number) {}

  /**
   * The primary to publish now.
   * @param writable the members that report themselves primary and are up
   * @param members every database of the group
   * @param now scheduler time (ms)
   */
  next(writable: readonly Entity[], members: readonly Entity[], now: number): PrimaryChoice {
    if (writable.length === 1) {
      const primary = writable[0] as Entity;
      this.held = { id: primary.id, downSince: undefined };
      return { primary };
    }
    const held = this.held;
    // two writable primaries (publish none) or nothing to hold
    if (writable.length > 1 || !held) return this.release();
    const db = members.find((m) => m.id === held.id);
    // fenced or demoted (by the failover, a person, or itself): judged failed, or no longer the primary
    if (!db || db.sensor<string>('role').current?.value !== 'primary') return this.release();
    held.downSince ??= now;
    const judgedFailedAt = held.downSince + this.failureDelay;
    if (now >= judgedFailedAt) return this.release();
    return { primary: db, judgedFailedAt };
  }

  private release(): PrimaryChoice {
    this.held = undefined;
    return { primary: undefined };
  }
}
