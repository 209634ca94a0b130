import type { FencedWrites, WriteFence, WriteOp } from './store.js';

/** One write, as a report names it (`state web/restarter.restarts`, `decision <id>`). */
export function describeOp(op: WriteOp): string {
  if (op.kind === 'state') return `state ${op.policy}.${op.key}`;
  if (op.kind === 'snapshot') return `snapshot ${op.value.entity}.${op.value.sensor}`;
  if (op.kind === 'fault') return `fault of ${op.value.policy}`;
  if (op.kind === 'audit') return `audit entry ${op.value.seq}`;
  return `${op.kind} ${op.value.id}`;
}

/** One key per lease, owner and token. */
export function fenceId(fence: WriteFence): string {
  return `${fence.lease}\u0000${fence.owner}\u0000${fence.token}`;
}

/** Writes described in a report: the first few, then how many more. */
const DESCRIBED_WRITES = 10;

/** Why writes made under a lease were dropped, and which (the first few, then how many more). */
export function describeFenced(group: FencedWrites): string {
  const { fence, ops, holder } = group;
  const n = ops.length;
  const now = holder ? `the lease is now held by ${holder.owner} (token ${holder.token})` : 'nobody holds the lease now';
  const named = ops.slice(0, DESCRIBED_WRITES).map(describeOp).join(', ');
  const more = n > DESCRIBED_WRITES ? ` and ${n - DESCRIBED_WRITES} more` : '';
  return `${n} ${n === 1 ? 'write' : 'writes'} made under lease ${fence.lease} by ${fence.owner} with fencing token ${fence.token} ${n === 1 ? 'was' : 'were'} refused by the knowledge store: ${now}. Dropped, never written later (nor any later write under that token): ${named}${more}`;
}
