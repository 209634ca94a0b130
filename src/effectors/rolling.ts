import { HomeostatError, describeError } from '../core/errors.js';
import type { Entity } from '../core/entity.js';

/** A rolling operation that stopped: which batch failed, and what was rolled back. */
export class RollingFailedError extends HomeostatError {
  constructor(readonly batch: number, readonly rolledBack: readonly string[], cause: unknown) {
    super('E_ROLLING_FAILED', `batch ${batch + 1} failed its health gate (${describeError(cause)}); ${rolledBack.length > 0 ? `rolled back ${rolledBack.join(', ')}` : 'nothing to roll back'}`, { cause });
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
}

/**
 * Applies an operation over members in batches of `maxUnavailable`, with a health gate between batches.
 * When a batch fails the gate, it stops, and rolls back every member done so far (newest first).
 * @returns the batches, as member ids
 * @throws RollingFailedError
 */
export async function rolling(members: readonly Entity[], maxUnavailable: number, steps: RollingSteps): Promise<string[][]> {
  const batches: Entity[][] = [];
  for (let i = 0; i < members.length; i += Math.max(1, maxUnavailable)) batches.push(members.slice(i, i + Math.max(1, maxUnavailable)));
  const done: Entity[] = [];
  for (const [index, batch] of batches.entries()) {
    try {
      await Promise.all(batch.map((m) => steps.apply(m)));
      await Promise.all(batch.map((m) => steps.healthy(m)));
    } catch (error) {
      const rolledBack: string[] = [];
      if (steps.rollback) {
        for (const member of [...done, ...batch].reverse()) {
          await steps.rollback(member).catch(() => undefined);
          rolledBack.push(member.id);
        }
      }
      throw new RollingFailedError(index, rolledBack, error);
    }
    done.push(...batch);
  }
  return batches.map((b) => b.map((m) => m.id));
}
