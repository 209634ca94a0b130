import type { Entity } from '../../core/entity.js';
import { HomeostatError, describeError } from '../../core/errors.js';
import { nextBatch, whyNoRoom, type BatchBounds } from '../rolling.js';
import type { SchedulerLike } from 'rxjs';
import type { Action } from '../../knowledge/decision.js';
import type { RecordOperation } from './operation-record.js';

/** How a progressive operation acts on the members of its cluster. */
export interface MemberOps {
  /** Moves one member to a version (the member's `update` effector). */
  update(member: Entity, version: string): Promise<void>;
  /** Resolves once the member is healthy; rejects when it is not within the health gate's time. */
  healthy(member: Entity): Promise<void>;
  /** Whether a member serves now; without it every member counts as serving. */
  available?(member: Entity): boolean;
  /** What taking these serving members down would cost the group (its quorum), or undefined; see `RollingSteps`. */
  quorumCost?(takenDown: readonly Entity[]): string | undefined;
}

/** What an operation runs on. */
export interface OperationDeps {
  readonly scheduler: SchedulerLike;
  readonly record: RecordOperation;
  /** Aborted on the effector's timeout or when the engine stops. */
  readonly signal?: AbortSignal;
}

/** The `version` sensor of a member, when it has a reading. */
export function versionOf(member: Entity): string | undefined {
  if (!member.hasSensor('version')) return undefined;
  const value = member.sensor<unknown>('version').current?.value;
  return typeof value === 'string' ? value : undefined;
}

/** Update actions as a Decision lists them. */
export function updateActions(members: readonly Entity[], version: string): Action[] {
  return members.map((m) => ({ entity: m.id, effector: 'update', params: { version } }));
}

/**
 * Moves members to a version in batches of at most `batchSize`, each batch behind the health gate. The bound
 * counts the whole `group`: its members already down leave less room (they are moved first when they are to
 * be moved), and a batch takes no serving member whose loss would cost the group its quorum. A batch with no
 * room waits for the members down (their health gate), and throws saying why when they stay down.
 * @throws the health gate's error, or HomeostatError E_NO_ROOM
 */
export async function updateInBatches(members: readonly Entity[], version: string, batchSize: number, ops: MemberOps, group: readonly Entity[] = members): Promise<void> {
  const available = ops.available?.bind(ops) ?? (() => true);
  const bounds: BatchBounds = { maxUnavailable: Math.max(1, batchSize), group, available, quorumCost: ops.quorumCost?.bind(ops) };
  const done: Entity[] = [];
  while (done.length < members.length) {
    const remaining = members.filter((m) => !done.includes(m));
    let batch = nextBatch(remaining, bounds);
    if (batch.length === 0) {
      const why = whyNoRoom(remaining, bounds);
      const down = group.filter((m) => !available(m));
      if (down.length === 0) throw new HomeostatError('E_NO_ROOM', `no member can be moved: ${why}`);
      try {
        await Promise.all(down.map((m) => ops.healthy(m)));
      } catch (error) {
        throw new HomeostatError('E_NO_ROOM', `no member can be moved: ${why} (${describeError(error)})`, { cause: error });
      }
      batch = nextBatch(remaining, bounds);
      if (batch.length === 0) throw new HomeostatError('E_NO_ROOM', `no member can be moved: ${whyNoRoom(remaining, bounds)} (they passed their health gate but still read unavailable)`);
    }
    await Promise.all(batch.map((m) => ops.update(m, version)));
    await Promise.all(batch.map((m) => ops.healthy(m)));
    done.push(...batch);
  }
}

/**
 * Moves members back to the versions they had (newest change first); a member whose rollback fails is
 * reported, the others are still rolled back. With `bounds`, the rollback keeps them too: a serving member is
 * taken down only when that leaves at most `maxUnavailable` of the group down and keeps its quorum (the
 * members down are waited for first, within their health gate); else it stays on the new version (it passed
 * its health gate) and is reported as failed, saying why.
 * @returns the ids rolled back, the failures, and why each failed (same order)
 */
export async function rollBack(members: readonly Entity[], previous: ReadonlyMap<string, string | undefined>, ops: MemberOps, bounds?: { readonly group: readonly Entity[]; readonly maxUnavailable: number }): Promise<{ rolledBack: string[]; failed: string[]; errors: string[] }> {
  const rolledBack: string[] = [];
  const failed: string[] = [];
  const errors: string[] = [];
  const available = (m: Entity): boolean => ops.available?.(m) ?? true;
  for (const member of [...members].reverse()) {
    const was = previous.get(member.id);
    if (was === undefined) continue;
    try {
      if (bounds && available(member)) {
        const size = Math.max(1, bounds.maxUnavailable);
        const down = (): Entity[] => bounds.group.filter((m) => m !== member && !available(m));
        const cost = (): string | undefined => ops.quorumCost?.([member]);
        if (down().length + 1 > size || cost() !== undefined) await Promise.all(down().map((m) => ops.healthy(m))).catch(() => undefined);
        const still = down();
        if (still.length + 1 > size) throw new Error(`left on the new version: ${still.map((m) => m.id).join(', ')} ${still.length === 1 ? 'is' : 'are'} unavailable and at most ${size} may be`);
        const lost = cost();
        if (lost !== undefined) throw new Error(`left on the new version: taking it down would cost ${lost}`);
      }
      await ops.update(member, was);
      rolledBack.push(member.id);
    } catch (error) {
      failed.push(member.id);
      errors.push(describeError(error));
    }
  }
  return { rolledBack, failed, errors };
}
