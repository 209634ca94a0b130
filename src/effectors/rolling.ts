import { HomeostatError, describeError } from '../core/errors.js';
import type { Entity } from '../core/entity.js';

/**
 * A rolling operation that stopped: which batch failed, what was rolled back, and whose rollback failed. Its
 * code is E_ROLLING_FAILED, or E_ROLLING_BLOCKED when it moved nothing because no first batch could start (the
 * bound or the group's quorum left no member to take down, and none was down to wait for): the request does
 * not fit the group's state now, which the API answers with 409 rather than as the managed system failing.
 */
export class RollingFailedError extends HomeostatError {
  constructor(
    readonly batch: number,
    readonly rolledBack: readonly string[],
    cause: unknown,
    /** Members whose rollback failed (they may still run what the operation applied). */
    readonly rollbackFailed: readonly string[] = [],
    /** What stopped the batch, when it is not its health gate (e.g. `batch 2 cannot start: ...`). */
    what = `batch ${batch + 1} failed its health gate`,
    rollbackErrors: readonly string[] = [],
    code: 'E_ROLLING_FAILED' | 'E_ROLLING_BLOCKED' = 'E_ROLLING_FAILED',
  ) {
    const failedPart = rollbackFailed.length > 0 ? `; rollback FAILED on ${rollbackFailed.map((id, i) => `${id} (${rollbackErrors[i] ?? 'unknown error'})`).join(', ')}` : '';
    super(code, `${what} (${describeError(cause)}); ${rolledBack.length > 0 ? `rolled back ${rolledBack.join(', ')}` : 'nothing to roll back'}${failedPart}`, { cause });
  }
}

/** How a rolling operation treats each member. */
export interface RollingSteps {
  /** Applies the operation to one member (restart, update). */
  apply(member: Entity): Promise<void>;
  /** Resolves once the member is healthy again; rejects when it is not within the gate's time. */
  healthy(member: Entity): Promise<void>;
  /** Undoes `apply` on one member, when a batch fails (omit when nothing can be undone). */
  rollback?(member: Entity): Promise<void>;
  /**
   * Whether a member serves now. With it, members that are already unavailable count against
   * `maxUnavailable`: they are moved first (it costs nothing), a batch takes only as many serving members as
   * the bound leaves room for, and a batch with no room waits (the health gate's time) for the others.
   */
  available?(member: Entity): boolean;
  /**
   * The whole group the members belong to, when the operation covers only some of them (a canary's step):
   * its members that are down count against `maxUnavailable` too. Default: the members operated on.
   */
  readonly group?: readonly Entity[];
  /**
   * What taking these serving members down now would cost the group (its quorum, described), or undefined when
   * nothing. With it, a batch takes only serving members whose loss keeps the group's quorum, and a batch with
   * none waits (the health gate's time) for the members down, as for the bound.
   */
  quorumCost?(takenDown: readonly Entity[]): string | undefined;
}

/** How a batch is chosen: the bound, the members counted for it, and the quorum the group keeps. */
export interface BatchBounds {
  readonly maxUnavailable: number;
  readonly group: readonly Entity[];
  readonly available: (member: Entity) => boolean;
  readonly quorumCost?: ((takenDown: readonly Entity[]) => string | undefined) | undefined;
}

/**
 * The next batch within the bounds: members still to move that are unavailable first (it costs nothing), then
 * serving ones while the group has room for them under `maxUnavailable` and keeps its quorum.
 */
export function nextBatch(remaining: readonly Entity[], bounds: BatchBounds): Entity[] {
  const { maxUnavailable, available } = bounds;
  const unavailable = bounds.group.filter((m) => !available(m)).length;
  const down = remaining.filter((m) => !available(m)).slice(0, maxUnavailable);
  const room = Math.min(maxUnavailable - down.length, maxUnavailable - unavailable);
  const serving: Entity[] = [];
  for (const member of remaining.filter((m) => available(m))) {
    if (serving.length >= room) break;
    if (bounds.quorumCost?.([...serving, member]) !== undefined) break;
    serving.push(member);
  }
  return [...down, ...serving];
}

/** Why no batch can start now (`web-3 is unavailable and at most 1 may be`, or the quorum it would cost). */
export function whyNoRoom(remaining: readonly Entity[], bounds: BatchBounds): string {
  const down = bounds.group.filter((m) => !bounds.available(m));
  const first = remaining.find((m) => bounds.available(m));
  const cost = first && down.length < bounds.maxUnavailable ? bounds.quorumCost?.([first]) : undefined;
  if (first && cost !== undefined) return `taking ${first.id} down would cost ${cost}`;
  return `${down.map((m) => m.id).join(', ')} ${down.length === 1 ? 'is' : 'are'} unavailable and at most ${bounds.maxUnavailable} may be`;
}

/**
 * Applies an operation over members in batches of `maxUnavailable`, with a health gate between batches (see
 * `RollingSteps.available` for members already down). When a batch fails the gate, or cannot start because
 * members stay unavailable, it stops, and rolls back every member done so far (newest first); a rollback
 * that fails is reported as such, and the others are still rolled back.
 * @returns the batches, as member ids
 * @throws RollingFailedError
 */
export async function rolling(members: readonly Entity[], maxUnavailable: number, steps: RollingSteps): Promise<string[][]> {
  const size = Math.max(1, maxUnavailable);
  const available = steps.available ?? (() => true);
  const group = steps.group ?? members;
  const bounds: BatchBounds = { maxUnavailable: size, group, available, quorumCost: steps.quorumCost?.bind(steps) };
  const batches: Entity[][] = [];
  const done: Entity[] = [];
  while (done.length < members.length) {
    const remaining = members.filter((m) => !done.includes(m));
    let batch = nextBatch(remaining, bounds);
    if (batch.length === 0) {
      // no room: the members down now must come back first (each within the health gate's time)
      const down = group.filter((m) => !available(m));
      const what = `batch ${batches.length + 1} cannot start: ${whyNoRoom(remaining, bounds)}`;
      if (down.length === 0) throw await rolledBack({ members: group, size, done, batch: [], index: batches.length, cause: new Error('no member is down to wait for'), what, blocked: done.length === 0 }, steps);
      try {
        await Promise.all(down.map((m) => steps.healthy(m)));
      } catch (error) {
        throw await rolledBack({ members: group, size, done, batch: [], index: batches.length, cause: error, what }, steps);
      }
      batch = nextBatch(remaining, bounds);
      if (batch.length === 0) throw await rolledBack({ members: group, size, done, batch: [], index: batches.length, cause: new Error('they passed their health gate but still read unavailable'), what }, steps);
    }
    try {
      await Promise.all(batch.map((m) => steps.apply(m)));
      await Promise.all(batch.map((m) => steps.healthy(m)));
    } catch (error) {
      throw await rolledBack({ members: group, size, done, batch, index: batches.length, cause: error }, steps);
    }
    batches.push(batch);
    done.push(...batch);
  }
  return batches.map((b) => b.map((m) => m.id));
}

/** Where a rolling operation stopped: its members and bound, what it moved, and why it stopped. */
interface Stop {
  readonly members: readonly Entity[];
  readonly size: number;
  readonly done: readonly Entity[];
  readonly batch: readonly Entity[];
  readonly index: number;
  readonly cause: unknown;
  readonly what?: string;
  /** Nothing was moved: no first batch could start, and no member was down to wait for. */
  readonly blocked?: boolean;
}

/**
 * Rolls back the members done and the failing batch (newest first), and returns the error that says what
 * happened. The bound holds for the rollback too: a serving member is taken down to be rolled back only when
 * that leaves at most `size` unavailable and the group keeps its quorum (the others down are waited for, within
 * their health gate); else it stays on what it was moved to (it passed its health gate), and the error says so.
 */
async function rolledBack(stop: Stop, steps: RollingSteps): Promise<RollingFailedError> {
  const ok: string[] = [];
  const failed: string[] = [];
  const errors: string[] = [];
  const available = steps.available;
  if (steps.rollback) {
    for (const member of [...stop.done, ...stop.batch].reverse()) {
      try {
        if (available?.(member)) {
          const down = (): Entity[] => stop.members.filter((m) => m !== member && !available(m));
          const cost = (): string | undefined => steps.quorumCost?.([member]);
          if (down().length + 1 > stop.size || cost() !== undefined) await Promise.all(down().map((m) => steps.healthy(m))).catch(() => undefined);
          const still = down();
          if (still.length + 1 > stop.size) throw new Error(`left as it is: ${still.map((m) => m.id).join(', ')} ${still.length === 1 ? 'is' : 'are'} unavailable and at most ${stop.size} may be`);
          const lost = cost();
          if (lost !== undefined) throw new Error(`left as it is: taking it down would cost ${lost}`);
        }
        await steps.rollback(member);
        ok.push(member.id);
      } catch (error) {
        failed.push(member.id);
        errors.push(describeError(error));
      }
    }
  }
  return new RollingFailedError(stop.index, ok, stop.cause, failed, stop.what, errors, stop.blocked ? 'E_ROLLING_BLOCKED' : 'E_ROLLING_FAILED');
}
