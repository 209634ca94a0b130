import type { Entity } from '../../core/entity.js';
import type { SchedulerLike } from 'rxjs';
import type { Action } from '../../knowledge/decision.js';
import type { RecordOperation } from './operation-record.js';

/** How a progressive operation acts on the members of its cluster. */
export interface MemberOps {
  /** Moves one member to a version (the member's `update` effector). */
  update(member: Entity, version: string): Promise<void>;
  /** Resolves once the member is healthy; rejects when it is not within the health gate's time. */
  healthy(member: Entity): Promise<void>;
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

/** Moves members to a version in batches of `batchSize`, each batch behind the health gate. */
export async function updateInBatches(members: readonly Entity[], version: string, batchSize: number, ops: MemberOps): Promise<void> {
  const size = Math.max(1, batchSize);
  for (let i = 0; i < members.length; i += size) {
    const batch = members.slice(i, i + size);
    await Promise.all(batch.map((m) => ops.update(m, version)));
    await Promise.all(batch.map((m) => ops.healthy(m)));
  }
}

/**
 * Moves members back to the versions they had (newest change first); a member whose rollback fails is
 * reported, the others are still rolled back.
 * @returns the ids rolled back and the failures
 */
export async function rollBack(members: readonly Entity[], previous: ReadonlyMap<string, string | undefined>, ops: MemberOps): Promise<{ rolledBack: string[]; failed: string[] }> {
  const rolledBack: string[] = [];
  const failed: string[] = [];
  for (const member of [...members].reverse()) {
    const was = previous.get(member.id);
    if (was === undefined) continue;
    try {
      await ops.update(member, was);
      rolledBack.push(member.id);
    } catch {
      failed.push(member.id);
    }
  }
  return { rolledBack, failed };
}
